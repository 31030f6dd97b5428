/**
 * The sequential form on the CPU (the WASM backend), in plain TypeScript: the same discretisation
 * and the same streamed loop as discretise.wgsl and scan.wgsl. The only state is [D, N_s]: like
 * Mamba at decoding time, each token costs O(D·N_s) work and memory, whatever N is.
 */
import type { Tensor } from 'lab';
import type { BRule, ScanInputs } from './main';

/** ā, the decay of one step. */
export function discreteA(dt: number, A: number): number {
  // TODO: an Euler step. Hold A exactly (zero-order hold), as discretise.wgsl should.
  return 1 + dt * A;
}

/** b̄u: the Euler step Δ·B·u of the reference code, or the exact hold. */
export function discreteBu(dt: number, A: number, B: number, u: number, bRule: BRule): number {
  // TODO: bRule 'zoh', the exact hold (e^{ΔA} − 1)/A · B·u.
  return dt * B * u;
}

/** y [N, D] from x_t = ā ⊙ x_{t−1} + b̄u, y_t = C_t · x_t + D ⊙ u_t, one token after another. */
export function sequentialScan(x: ScanInputs, bRule: BRule): Tensor {
  const [n, d] = x.u.shape;
  const ns = x.A.shape[1];
  const u = x.u.data,
    delta = x.delta.data,
    A = x.A.data,
    B = x.B.data,
    C = x.C.data;
  const skip = x.D?.data;
  const state = new Float32Array(d * ns); // x_{t} for every (channel, state); zero before the first token
  const y = new Float32Array(n * d);
  for (let t = 0; t < n; t++) {
    for (let c = 0; c < d; c++) {
      const dt = delta[t * d + c];
      const ut = u[t * d + c];
      let acc = skip ? skip[c] * ut : 0;
      for (let s = 0; s < ns; s++) {
        const i = c * ns + s;
        // TODO: y_t must see x_t, which includes token t; this reads x_{t−1}, before the update.
        acc += C[t * ns + s] * state[i];
        state[i] = discreteA(dt, A[i]) * state[i] + discreteBu(dt, A[i], B[t * ns + s], ut, bRule);
      }
      y[t * d + c] = acc;
    }
  }
  return { shape: [n, d], data: y };
}
