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
  const y = new Float32Array(T * d);
  // TODO (step 4): for each expert, gather the rows of the tokens routed to it (nonzero gate),
  // run the expert ONCE on exactly those rows with expertFfn, and add each result row, times its
  // gate, to its token's output. An expert that no token chose must cost nothing.
  // TODO (step 5): the shared experts see every token, with weight 1, whatever the router said.
  void gates;
  void experts;
  void shared;
  void expertFfn;
  return { shape: [T, d], data: y };
}
