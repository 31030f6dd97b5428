/**
 * The sequential form on the CPU (the WASM backend), in plain TypeScript: the same discretisation
 * and the same streamed loop as discretise.wgsl and scan.wgsl. The only state is [D, N_s]: like
 * Mamba at decoding time, each token costs O(D·N_s) work and memory, whatever N is.
 */
import { tensors, type Tensor } from 'lab';
import type { BRule, ScanInputs } from './main';

/** ā = exp(ΔA): zero-order hold, in (0, 1) for any Δ > 0 when A < 0. */
export function discreteA(dt: number, A: number): number {
  return Math.exp(dt * A);
}

/** b̄u: the Euler step Δ·B·u of the reference code, or the exact hold (e^{ΔA} − 1)/A · B·u. */
export function discreteBu(dt: number, A: number, B: number, u: number, bRule: BRule): number {
  if (bRule === 'zoh') return ((Math.exp(dt * A) - 1) / A) * B * u;
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
  // x_t for every (channel c, state s) at index c·N_s + s: zero before the first token.
  const state = tensors.zeros([d, ns]).data;
  const y = tensors.zeros([n, d]);
  for (let t = 0; t < n; t++) {
    for (let c = 0; c < d; c++) {
      const dt = delta[t * d + c];
      const ut = u[t * d + c];
      let acc = skip ? skip[c] * ut : 0;
      for (let s = 0; s < ns; s++) {
        const i = c * ns + s;
        // Update first, then read out: y_t sees x_t, which already includes token t.
        state[i] = discreteA(dt, A[i]) * state[i] + discreteBu(dt, A[i], B[t * ns + s], ut, bRule);
        acc += C[t * ns + s] * state[i];
      }
      y.data[t * d + c] = acc;
    }
  }
  return y;
}
