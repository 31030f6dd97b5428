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
  const gates = tensors.zeros([T, E]);
  const load = new Array<number>(E).fill(0);
  for (let t = 0; t < T; t++) {
    const row = logits.data.subarray(t * E, (t + 1) * E);
    // Best first; a stable order on equal logits keeps the lower expert first.
    const chosen = Array.from({ length: E }, (_, e) => e)
      .sort((a, b) => row[b] - row[a] || a - b)
      .slice(0, k);
    const weights = chosen.map((e) => Math.exp(row[e] - row[chosen[0]]));
    const sum = weights.reduce((a, b) => a + b, 0);
    chosen.forEach((e, i) => {
      if (capacity !== undefined && load[e] >= capacity) return; // full: dropped
      load[e] += 1;
      gates.data[t * E + e] = weights[i] / sum;
    });
  }
  return gates;
}

/** The capacity rule of Switch and GShard: cf·T·K/E tokens per expert, rounded so that none is lost to rounding. */
export function expertCapacity(capacityFactor: number, tokens: number, k: number, experts: number): number {
  return Math.ceil((capacityFactor * tokens * k) / experts);
}

/**
 * Expert choice: router probabilities p = softmax over the E experts of each token's logits; then
 * EACH EXPERT takes the `capacity` tokens with the highest p[t, e] (equal p: the lower token index)
 * and gives each the gate p[t, e] (not renormalised). Every expert ends with exactly
 * min(capacity, T) tokens; a token may get several experts, or none.
 */
export function expertChoice(logits: Tensor, capacity: number): Tensor {
  const [T, E] = logits.shape;
  const p = new Float64Array(T * E);
  for (let t = 0; t < T; t++) {
    const row = logits.data.subarray(t * E, (t + 1) * E);
    const max = Math.max(...row);
    const sum = row.reduce((a, x) => a + Math.exp(x - max), 0);
    for (let e = 0; e < E; e++) p[t * E + e] = Math.exp(row[e] - max) / sum;
  }
  const gates = tensors.zeros([T, E]);
  for (let e = 0; e < E; e++) {
    const tokens = Array.from({ length: T }, (_, t) => t).sort((a, b) => p[b * E + e] - p[a * E + e] || a - b);
    for (const t of tokens.slice(0, capacity)) gates.data[t * E + e] = p[t * E + e];
  }
  return gates;
}
