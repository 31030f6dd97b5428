/**
 * Lesson 18: a sparse Mixture-of-Experts layer. The router (router.ts) turns each token's logits
 * into gates [T, E]; moeLayer sends each token only to the experts whose gate is nonzero, so the
 * work per token grows with K (experts per token), not with E (experts in the layer), and adds
 * the shared experts, which every token goes through (DeepSeekMoE).
 * Cost: 2·3·d·h FLOPs per (token, expert) assignment, K·T assignments in all (fewer when tokens
 * are dropped), plus 2·3·d·h·T per shared expert; the parameters grow with E, the FLOPs do not.
 */
import type { Tensor } from 'lab';
import { type Experts, expertFfn } from './experts';

export { topK, expertCapacity, expertChoice } from './router';
export { expertFfn, type Experts } from './experts';

/**
 * y_t = Σ_e gates[t, e] · FFN_e(x_t) + Σ_s SharedFFN_s(x_t).
 * x: [T, d]; gates: [T, E] from the router; experts: E stacked experts; shared: the always-on
 * experts (stacked the same way), or null for none.
 */
export async function moeLayer(x: Tensor, gates: Tensor, experts: Experts, shared: Experts | null): Promise<Tensor> {
  const [T, d] = x.shape;
  const E = gates.shape[1];
  const y = new Float32Array(T * d);
  for (let e = 0; e < E; e++) {
    // The tokens routed to expert e, in token order, and their rows of x side by side.
    const tokens: number[] = [];
    for (let t = 0; t < T; t++) if (gates.data[t * E + e] !== 0) tokens.push(t);
    if (tokens.length === 0) continue;
    const rows = new Float32Array(tokens.length * d);
    tokens.forEach((t, r) => rows.set(x.data.subarray(t * d, (t + 1) * d), r * d));
    const out = await expertFfn({ shape: [tokens.length, d], data: rows }, experts, e);
    tokens.forEach((t, r) => {
      const g = gates.data[t * E + e];
      for (let c = 0; c < d; c++) y[t * d + c] += g * out.data[r * d + c];
    });
  }
  for (let s = 0; shared !== null && s < shared.w1.shape[0]; s++) {
    const out = await expertFfn(x, shared, s);
    for (let i = 0; i < T * d; i++) y[i] += out.data[i];
  }
  return { shape: [T, d], data: y };
}
