/**
 * Lesson 14: Mamba's selective scan, x_t = exp(Δ_t A) ⊙ x_{t−1} + Δ_t B_t u_t, y_t = C_t · x_t + D ⊙ u_t,
 * in two forms: sequential (one step after another, state streamed) and parallel (a scan over the
 * associative operator, state materialised). On WebGPU both are your WGSL; on WASM the sequential
 * form is plain TypeScript (cpu.ts) and the parallel form an ONNX graph (graph.ts). On the simd
 * backend the sequential form is scan.as.ts, AssemblyScript compiled to WebAssembly with SIMD, and
 * the parallel form the same ONNX graph as on WASM.
 */
import { backend, gpu, simd, tensors, type GpuBuffer, type Tensor } from 'lab';
import { sequentialScan } from './cpu';
import discretiseWgsl from './discretise.wgsl';
import expandWgsl from './expand.wgsl';
import { parallelScan } from './graph';
import pscanWgsl from './pscan.wgsl';
import readoutWgsl from './readout.wgsl';
import scanWgsl from './scan.wgsl';

export type Form = 'sequential' | 'parallel';
/** How B is discretised: 'euler' (Δ·B·u) is what selective_scan_ref and mamba-minimal do; 'zoh' is exact. */
export type BRule = 'euler' | 'zoh';

/** The toggle: switch to 'zoh' and press Check to see how far exact ZOH for B is from the reference. */
export const B_RULE: BRule = 'euler';

/** u, delta [N, D]; A [D, N_s]; B, C [N, N_s]; D [D] (optional skip). */
export interface ScanInputs {
  u: Tensor;
  delta: Tensor;
  A: Tensor;
  B: Tensor;
  C: Tensor;
  D?: Tensor;
}

/** The selective scan of one sequence; returns y, [N, D]. */
export async function selectiveScan(x: ScanInputs, form: Form = 'sequential', bRule: BRule = B_RULE): Promise<Tensor> {
  if (backend === 'webgpu') return scanWebGpu(x, form, bRule);
  if (backend === 'simd' && form === 'sequential') return scanSimd(x, bRule);
  return form === 'sequential' ? sequentialScan(x, bRule) : parallelScan(x, bRule);
}

/** `rows` rows of `t`'s `cols` columns, widened to `width` columns filled with `fill`. */
function padColumns(t: Tensor, rows: number, cols: number, width: number, fill: number): Tensor {
  if (width === cols) return t;
  const out = tensors.zeros([rows, width]);
  for (let r = 0; r < rows; r++) {
    out.data.fill(fill, r * width + cols, (r + 1) * width);
    out.data.set(t.data.subarray(r * cols, (r + 1) * cols), r * width);
  }
  return out;
}

/**
 * The simd backend's sequential form: the inputs into the module's memory, one call of scan.as.ts,
 * y back out. N_s is padded to a multiple of 4 (whole f32x4s) with states that stay 0: A = −1
 * (ā in (0, 1)), B = 0 (no input) and C = 0 (never read out).
 */
function scanSimd(x: ScanInputs, bRule: BRule): Tensor {
  const [n, d] = x.u.shape;
  const ns = x.A.shape[1];
  const width = Math.ceil(ns / 4) * 4;
  const m = simd.instantiate('scan.as.ts');
  const [u, delta] = [m.put(x.u), m.put(x.delta)];
  const A = m.put(padColumns(x.A, d, ns, width, -1));
  const [B, C] = [m.put(padColumns(x.B, n, ns, width, 0)), m.put(padColumns(x.C, n, ns, width, 0))];
  const skip = x.D ? m.put(x.D) : m.alloc(d);
  const [y, state] = [m.alloc(n * d), m.alloc(d * width)]; // the state: [D, N_s], whatever N is
  m.exports.scan(u, delta, A, B, C, skip, y, n, d, width, bRule === 'zoh' ? 1 : 0, state);
  return m.get(y, [n, d]);
}

async function scanWebGpu(x: ScanInputs, form: Form, bRule: BRule): Promise<Tensor> {
  const [n, d] = x.u.shape;
  const ns = x.A.shape[1];
  if (ns > 16) throw new Error(`scan.wgsl keeps at most MAX_NS = 16 states per channel; got N_s = ${ns}`);
  await compileCheck();
  const zohB = bRule === 'zoh' ? 1 : 0;
  const params = () => gpu.uniform({ L: ['u32', n], D: ['u32', d], Ns: ['u32', ns], zohB: ['u32', zohB] }, 'params');
  const u = gpu.input(x.u, 'u');
  const skip = gpu.input(x.D ?? tensors.zeros([d]), 'D');
  const y = gpu.output([n, d], 'y');

  if (form === 'sequential') {
    const inputs = [
      u,
      gpu.input(x.delta, 'delta'),
      gpu.input(x.A, 'A'),
      gpu.input(x.B, 'B'),
      gpu.input(x.C, 'C'),
      skip
    ];
    await gpu.dispatch({
      // WGSL has no #include: discretise() goes after the kernel, so scan.wgsl's line numbers stay right.
      code: `${scanWgsl}\n${discretiseWgsl}`,
      file: 'scan.wgsl',
      bindings: [...inputs, y, params()],
      workgroups: [Math.ceil(d / 64)] // one invocation per channel
    });
    return gpu.read(y);
  }

  // 1. Materialise every step's (ā, b̄u): two [N, D, N_s] arrays, plus the copies the rounds write.
  const total = n * d * ns;
  const a = gpu.scratch(total, 'deltaA');
  const b = gpu.scratch(total, 'deltaB_u');
  const aNext = gpu.scratch(total, 'deltaA (next round)');
  const bNext = gpu.scratch(total, 'deltaB_u (next round)');
  const groups = Math.ceil(total / 256);
  await gpu.dispatch({
    code: `${expandWgsl}\n${discretiseWgsl}`,
    file: 'expand.wgsl',
    bindings: [u, gpu.input(x.delta, 'delta'), gpu.input(x.A, 'A'), gpu.input(x.B, 'B'), a, b, params()],
    workgroups: [groups]
  });
  // 2. Hillis–Steele (README, Step 3): the buffer that holds x_t for every step.
  const states = await hillisSteele(a, b, aNext, bNext, n, d * ns);
  // 3. Read out y_t = C_t · x_t + D ⊙ u_t from the scanned states (the b half).
  await gpu.dispatch({
    code: readoutWgsl,
    bindings: [states, gpu.input(x.C, 'C'), u, skip, y, params()],
    workgroups: [Math.ceil((n * d) / 256)]
  });
  return gpu.read(y);
}

/**
 * The rounds of the scan over the N steps of width D·N_s: a and b hold every step's (ā, b̄u),
 * aNext and bNext are the copies the rounds write. Returns the buffer whose b holds x_t.
 */
async function hillisSteele(
  a: GpuBuffer,
  b: GpuBuffer,
  aNext: GpuBuffer,
  bNext: GpuBuffer,
  n: number,
  width: number
): Promise<GpuBuffer> {
  const total = n * width;
  // ⌈log₂ N⌉ rounds, offsets 1, 2, 4, …; each reads one copy and writes the other.
  for (let offset = 1; offset < n; offset *= 2) {
    const round = gpu.uniform(
      { offset: ['u32', offset], width: ['u32', width], total: ['u32', total] },
      `round ${offset}`
    );
    await gpu.dispatch({
      code: pscanWgsl,
      file: 'pscan.wgsl',
      bindings: [a, b, aNext, bNext, round],
      workgroups: [Math.ceil(total / 256)]
    });
    [a, aNext] = [aNext, a];
    [b, bNext] = [bNext, b];
  }
  return b;
}

// Compile discretise.wgsl on its own once, so that an error in it is reported at its own lines.
let checked = '';
async function compileCheck(): Promise<void> {
  if (checked === discretiseWgsl) return;
  const code = `${discretiseWgsl}\n@compute @workgroup_size(1) fn main() {}`;
  await gpu.dispatch({ code, file: 'discretise.wgsl', bindings: [], workgroups: [1] });
  checked = discretiseWgsl;
}
