/**
 * Float64 references for lesson 13, from the shared kernel registry (src/lib/kernels):
 * - the gated recurrence S_t = e^{g_t} S_{t−1} + k_t v_tᵀ, o_t = scale · S_tᵀ q_t (fla's
 *   naive_recurrent_simple_gla), which every chunked answer must equal;
 * - the same layer with g = 0, i.e. plain linear attention, to recognise an answer that ignores the gates;
 * - RetNet (fla's naive_retention, head-first [H, T, d]): per head h, the parallel form with the decay
 *   mask D_ts = γ_h^{t−s}, γ_h = 1 − 2^{−5−h}, scale d^{−1/2}. The registry has no retention entry:
 *   a fixed γ is the scalar gate g_t = ln γ_h for every t, and its parallel form builds exactly
 *   D_ts = exp(G_t − G_s) = γ_h^{t−s}.
 * - GLA's vector gate (fla's naive_recurrent_gla with gk [T, dk]): the same registry entry with g of
 *   shape [T, dk], S_t = diag(e^{g_t}) S_{t−1} + k_t v_tᵀ, one log decay per key channel.
 * Cost: O(T·dk·dv) per recurrent call, O(T²·d) for the parallel RetNet form (T ≤ 300 here).
 */
import { runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };

const toF64 = (x: T) => tensor([...x.shape], x.data);

export function gatedReference(q: T, k: T, v: T, g: T, scale: number) {
  return runKernel(
    'gated_linear_attention',
    { q: toF64(q), k: toF64(k), v: toF64(v), g: toF64(g) },
    { scale, form: 'recurrent' }
  ).o;
}

export function ungatedReference(q: T, k: T, v: T, scale: number) {
  return runKernel('linear_attention', { q: toF64(q), k: toF64(k), v: toF64(v) }, { scale, form: 'recurrent' }).o;
}

/** RetNet's decay for head h. */
export const retnetGamma = (h: number) => 1 - 2 ** (-5 - h);

/** One head of naive_retention: q, k, v [T, d] of head h. */
export function retentionReference(h: number, q: T, k: T, v: T) {
  const t = q.shape[0];
  const g = { shape: [t], data: new Float64Array(t).fill(Math.log(retnetGamma(h))) };
  const scale = 1 / Math.sqrt(q.shape[1]);
  return runKernel('gated_linear_attention', { q: toF64(q), k: toF64(k), v: toF64(v), g }, { scale, form: 'parallel' })
    .o;
}

/** GLA with a vector gate: g [T, dk], one log decay per key channel (the float64 recurrence). */
export function vectorReference(q: T, k: T, v: T, g: T, scale: number) {
  return gatedReference(q, k, v, g, scale);
}
