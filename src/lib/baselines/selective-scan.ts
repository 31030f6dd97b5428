/**
 * Lesson 14's selective scan (Mamba, one sequence, time first), as a baseline that later lessons'
 * harnesses run or hand to the learner's code:
 *   x_t = exp(Δ_t A) ⊙ x_{t−1} + Δ_t B_t u_t,   y_t = C_t · x_t + D ⊙ u_t,
 * u, delta: [N, D]; A: [D, N_s] (negative); B, C: [N, N_s]; D: [D] (optional skip) → y: [N, D].
 * The sequential, streamed form: the [D, N_s] state is all that is kept, so the cost is
 * O(N·D·N_s) work and O(N·(D + N_s)) bytes, never [N, D, N_s] and never N×N.
 * - WebGPU: selective-scan.wgsl, one invocation per channel walking the N tokens in order
 *   (at most N_s = 16 states, kept in registers). One dispatch per call.
 * - WASM: a TypeScript loop (the lab's ONNX graphs have no loop op). It allocates its [D, N_s]
 *   state and the [N, D] output as lab tensors, so a probe sees them.
 * Matches the float64 registry's `selective_scan` (tests/unit/baselines/selective-scan.test.ts).
 */
import type { Tensor } from 'lab';
import type { Lab, MemoryModel } from '$lib/lessons/types';
import shader from './selective-scan.wgsl?raw';

/** The inputs of one scan; the same names and layout as the registry's `selective_scan`. */
export interface ScanInputs {
  u: Tensor;
  delta: Tensor;
  A: Tensor;
  B: Tensor;
  C: Tensor;
  D?: Tensor;
}

/** The most states per channel the WebGPU kernel keeps in registers. */
export const SCAN_MAX_NS = 16;

/** The file name the WebGPU dispatch reports (in probes and error messages). */
export const SCAN_FILE = 'selective-scan.wgsl (lesson 14)';

/** The selective scan of one sequence, y: [N, D], on the run's backend. */
export async function selectiveScan(lab: Lab, x: ScanInputs): Promise<Tensor> {
  return lab.backend === 'webgpu' ? scanGpu(lab, x) : scanCpu(lab, x);
}

async function scanGpu({ gpu, tensors }: Lab, x: ScanInputs): Promise<Tensor> {
  const [n, d] = x.u.shape;
  const ns = x.A.shape[1];
  if (ns > SCAN_MAX_NS) throw new Error(`the scan keeps at most ${SCAN_MAX_NS} states per channel; N_s = ${ns}`);
  const y = gpu.output([n, d], 'y');
  await gpu.dispatch({
    code: shader,
    file: SCAN_FILE,
    bindings: [
      gpu.input(x.u, 'u'),
      gpu.input(x.delta, 'delta'),
      gpu.input(x.A, 'A'),
      gpu.input(x.B, 'B'),
      gpu.input(x.C, 'C'),
      gpu.input(x.D ?? tensors.zeros([d]), 'D'),
      y,
      gpu.uniform({ L: ['u32', n], D: ['u32', d], Ns: ['u32', ns] }, 'params')
    ],
    workgroups: [Math.ceil(d / 64)] // one invocation per channel
  });
  return gpu.read(y);
}

function scanCpu({ tensors }: Lab, x: ScanInputs): Tensor {
  const [n, d] = x.u.shape;
  const ns = x.A.shape[1];
  const [u, delta, A, B, C] = [x.u.data, x.delta.data, x.A.data, x.B.data, x.C.data];
  const skip = x.D?.data;
  const state = tensors.zeros([d, ns]).data; // x_t[c, s] at c·N_s + s: the whole memory of the past
  const y = tensors.zeros([n, d]);
  for (let t = 0; t < n; t++) {
    for (let c = 0; c < d; c++) {
      const dt = delta[t * d + c];
      const ut = u[t * d + c];
      let acc = skip ? skip[c] * ut : 0;
      for (let s = 0; s < ns; s++) {
        const i = c * ns + s;
        state[i] = Math.exp(dt * A[i]) * state[i] + dt * B[t * ns + s] * ut;
        acc += C[t * ns + s] * state[i];
      }
      y.data[t * d + c] = acc;
    }
  }
  return y;
}

/** Analytic bytes of one scan over N tokens with d channels and ns states: the inputs and the output. */
export function selectiveScanMemory(d: number, ns: number): MemoryModel {
  return {
    label: `selective scan: 4·N·(3·D + 2·N_s) bytes`,
    buffers: (n) => [
      { name: 'u, delta, y [N, D]', bytes: 4 * 3 * n * d },
      { name: 'B, C [N, N_s]', bytes: 4 * 2 * n * ns },
      { name: 'A [D, N_s], D [D]', bytes: 4 * (d * ns + d) }
    ]
  };
}
