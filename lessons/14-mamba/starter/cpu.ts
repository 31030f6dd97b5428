/**
 * The sequential form on the CPU (the WASM backend), in plain TypeScript: the same discretisation
 * and the same streamed loop as discretise.wgsl and scan.wgsl. The only state is [D, N_s]: like
 * Mamba at decoding time, each token costs O(D·N_s) work and memory, whatever N is.
 */
import { tensors, type Tensor } from 'lab';
import type { BRule, ScanInputs } from './main';

/** ā, the decay of one step. */
export function discreteA(dt: number, A: number): number {
  // TODO: this is an Euler step. Hold A exactly over the step (zero-order hold), as
  // discretise.wgsl should: for A < 0 the result must lie in (0, 1) for every Δ > 0.
  return 1 + dt * A;
}

/** b̄u: the Euler step Δ·B·u of the reference code, or the exact hold. */
export function discreteBu(dt: number, A: number, B: number, u: number, bRule: BRule): number {
  // TODO: when bRule is 'zoh', hold B exactly over the step too (README, Step 1).
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
      const skipTerm = skip ? skip[c] * ut : 0;
      // TODO: move this channel's N_s states on by token t (its step for each state comes from
      // discreteA and discreteBu, with A [D, N_s] and B [N, N_s]), and add to y_t what it reads
      // out of them through C [N, N_s]. y_t must see token t itself. Keep `state` as the only
      // memory: nothing of size N·D·N_s.
      y.data[t * d + c] = skipTerm;
    }
  }
  return y;
}
