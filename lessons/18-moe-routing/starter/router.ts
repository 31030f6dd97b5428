/**
 * Lesson 18, steps 1–3: the router. Every function here returns GATES, a [T, E] tensor whose row t
 * holds the weight of each expert in token t's output (0: the expert never sees the token).
 *
 * - topK: token choice (Switch K = 1, GShard and Mixtral K = 2), with an optional capacity.
 * - expertCapacity: how many tokens one expert may hold.
 * - expertChoice: the other way round (Zhou et al. 2022): each expert picks its tokens.
 *
 * Cost: O(T·E·log E) for the token-choice sort, O(E·T·log T) for expert choice; O(T·E) memory.
 */
import { tensors, type Tensor } from 'lab';

/**
 * Token choice: for each token t, the k experts with the highest logits get the softmax of THOSE
 * k logits (renormalised over the k: row t sums to 1), every other expert 0. Equal logits: the
 * lower expert index wins.
 * With `capacity` C, an expert holds at most C tokens: serve tokens in order t = 0, 1, …, and a
 * token's experts from its highest weight down (ties: lower expert first). An assignment to an
 * expert that already holds C tokens is dropped: its gate becomes 0, and the token's other gates
 * keep their values (no renormalising: the dropped share rides the residual connection).
 */
export function topK(logits: Tensor, k: number, capacity?: number): Tensor {
  const [T, E] = logits.shape;
  // TODO (step 1): rank each token's experts, keep the k best, and give them the softmax of their
  // own logits. Then (step 2) keep a count of tokens per expert and drop what overflows capacity.
  void k;
  void capacity;
  return tensors.zeros([T, E]);
}

/** The capacity rule of Switch and GShard: cf·T·K/E tokens per expert, rounded so that none is lost to rounding. */
export function expertCapacity(capacityFactor: number, tokens: number, k: number, experts: number): number {
  // TODO (step 2): the number of slots one expert gets, as a whole number of tokens.
  void capacityFactor;
  void tokens;
  void k;
  void experts;
  return 0;
}

/**
 * Expert choice: router probabilities p = softmax over the E experts of each token's logits; then
 * EACH EXPERT takes the `capacity` tokens with the highest p[t, e] (equal p: the lower token index)
 * and gives each the gate p[t, e] (not renormalised). Every expert ends with exactly
 * min(capacity, T) tokens; a token may get several experts, or none.
 */
export function expertChoice(logits: Tensor, capacity: number): Tensor {
  const [T, E] = logits.shape;
  // TODO (step 3): per-token softmax, then per-expert selection of its best tokens.
  void capacity;
  return tensors.zeros([T, E]);
}
