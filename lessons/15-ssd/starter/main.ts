/**
 * Lesson 15: SSD, the chunked algorithm of Mamba-2, for one sequence with H heads of width P:
 *   h_t = e^{Δ_t A} h_{t−1} + (Δ_t x_t) B_tᵀ,   y_t = h_t C_t   (B, C shared by the heads).
 * WebGPU: the passes of ssd.wgsl. WASM: ssd_minimal's steps 1–2 and 4 as ONNX graphs, step 3 as a
 * TypeScript loop from chunk to chunk. `toGla` writes one head as lesson 13's gated attention.
 */
import { backend, gpu, onnx, type Tensor } from 'lab';
import shader from './ssd.wgsl';

/** x: [L, H, P], dt: [L, H] (Δ > 0), A: [H] (< 0), B and C: [L, N_s]; returns y: [L, H, P]. */
export async function ssd(x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, chunk = 64) {
  return backend === 'webgpu' ? onGpu(x, dt, A, B, C, chunk) : onWasm(x, dt, A, B, C, chunk);
}

/** Head h as gated linear attention (lesson 13): which tensors are q, k, v and the log decay g? */
export function toGla(x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, h: number) {
  const [L, H, P] = x.shape;
  const v = new Float32Array(L * P);
  const g = new Float32Array(L);
  for (let t = 0; t < L; t++) {
    const step = dt.data[t * H + h];
    // TODO: Mamba discretises with the step Δ_t, in the decay and in what enters the state
    // (README, Step 1: an Euler step for B).
    g[t] = A.data[h];
    for (let p = 0; p < P; p++) v[t * P + p] = x.data[(t * H + h) * P + p];
  }
  return { q: C, k: B, v: { shape: [L, P], data: v }, g: { shape: [L], data: g } };
}

async function onGpu(x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, chunk: number) {
  const [L, H, P] = x.shape;
  const N = B.shape[1];
  if (P > 64 || N > 128) throw new Error(`ssd.wgsl holds P ≤ 64 and N_s ≤ 128 numbers per thread: P = ${P}, N = ${N}`);
  const chunks = Math.ceil(L / chunk);
  const bindings = [
    gpu.uniform({ len: ['u32', L], h: ['u32', H], p: ['u32', P], n: ['u32', N], chunk: ['u32', chunk] }, 'params'),
    gpu.input(dt, 'dt'),
    gpu.input(A, 'A'),
    gpu.scratch(chunks * H * P * N, 'chunk states'),
    gpu.input(x, 'x'),
    gpu.input(B, 'B'),
    gpu.input(C, 'C'),
    gpu.output([L, H, P], 'y')
  ];
  // Every entry point gets all eight bindings, so that each keeps its layout while unfinished.
  const run = (entryPoint: string, workgroups: [number, number?]) =>
    gpu.dispatch({ code: shader, entryPoint, bindings, workgroups });
  await run('chunkStates', [Math.ceil((chunks * H * P) / 64)]); // step 2
  await run('passStates', [Math.ceil((H * P) / 64)]); // step 3
  await run('outputs', [Math.ceil(L / 64), H]); // steps 1 and 4
  return gpu.read(bindings[7]);
}

async function onWasm(x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, Cs: number) {
  const [L, H, P] = x.shape;
  const N = B.shape[1];
  const n = Math.ceil(L / Cs); // chunks; padding tokens have Δ = 0, so they change nothing
  const pad = (t: Tensor, shape: number[]): Tensor => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    data.set(t.data);
    return { shape, data };
  };
  const upper: number[] = [];
  for (let r = 0; r < Cs; r++) for (let c = 0; c < Cs; c++) upper.push(r <= c ? 1 : 0);

  // Graph 1: steps 1 and 2, batched over heads and chunks as [H, n, C, ·].
  const a = onnx.graph();
  const X = a.transpose(a.input('x', [n, Cs, H, P]), [2, 0, 1, 3]); // [H, n, C, P]
  const Dt = a.transpose(a.input('dt', [n, Cs, H]), [2, 0, 1]); // [H, n, C]
  const logA = a.mul(Dt, a.reshape(a.input('A', [H]), [H, 1, 1])); // A_t = Δ_t A ≤ 0
  const Bc = a.input('B', [n, Cs, N]);
  const Cc = a.input('C', [n, Cs, N]);
  const Xdt = a.mul(X, a.reshape(Dt, [H, n, Cs, 1])); // Δ x
  const cum = a.matmul(logA, a.constant(upper, [Cs, Cs])); // a_l: cumulative sum inside the chunk
  const last = a.reduceSum(logA, 2); // [H, n, 1]: Σ ΔA over each whole chunk
  const future = a.less(a.reshape(a.range(Cs), [Cs, 1]), a.reshape(a.range(Cs), [1, Cs]));
  // TODO: step 1, Y_diag [H, n, C, P]: inside each chunk, like attention, y_l gathers Δ_s x_s
  // from every token s ≤ l of its chunk, weighted by C_l·B_s (the same for every head) and by
  // the decay from s to l (from `cum`; `future` marks the pairs s > l).
  const yDiag = a.mul(Xdt, a.constant(0));
  // TODO: step 2, states [H, n, N_s, P]: what each chunk adds to its head's state by the chunk's
  // end, starting from zero: every token's Δ_s x_s B_sᵀ, decayed over the rest of the chunk.
  const states = a.mul(a.reshape(a.reduceSum(Xdt, 2), [H, n, 1, P]), a.constant(new Array(N).fill(0), [1, 1, N, 1]));
  for (const v of [yDiag, states, cum, last]) a.output(v);
  const Cp = pad(C, [n, Cs, N]);
  const r1 = await onnx.run(a, {
    x: pad(x, [n, Cs, H, P]),
    dt: pad(dt, [n, Cs, H]),
    A,
    B: pad(B, [n, Cs, N]),
    C: Cp
  });

  // Step 3: the state entering each chunk, [H, n, N_s, P]; h_[0] = 0.
  const own = r1[states.name].data; // what each chunk adds by its end, [H, n, N_s, P]
  const sums = r1[last.name].data; // Σ ΔA over each chunk, [H, n]
  const size = N * P;
  const entering = new Float32Array(H * n * size);
  // TODO: step 3, for each head, chunk after chunk: the state entering chunk c is the state that
  // entered chunk c − 1, carried through all of it (`sums`), plus what chunk c − 1 added (`own`).

  // Graph 2, step 4: Y_off = e^{a_l} C_l h_[c]; then y = Y_diag + Y_off back in [L, H, P] order.
  const z = onnx.graph();
  const Cz = z.input('C', [n, Cs, N]);
  const hz = z.input('h', [H, n, N, P]);
  const cumZ = z.input('cum', [H, n, Cs]);
  const yDiagZ = z.input('yDiag', [H, n, Cs, P]);
  // TODO: step 4, Y_off [H, n, C, P]: token l reads the state entering its chunk (h) out
  // through C_l, decayed from the chunk's start up to l (`cum`).
  const off = z.mul(yDiagZ, z.constant(0));
  const y = z.transpose(z.add(yDiagZ, off), [1, 2, 0, 3]);
  z.output(y);
  const h = { shape: [H, n, N, P], data: entering };
  const r2 = await onnx.run(z, { C: Cp, h, cum: r1[cum.name], yDiag: r1[yDiag.name] });
  return { shape: [L, H, P], data: r2[y.name].data.slice(0, L * H * P) };
}
