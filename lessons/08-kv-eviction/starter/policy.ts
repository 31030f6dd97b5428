/**
 * Lesson 08: decoding with a KV cache of fixed size that evicts. Two policies, one decode loop.
 * - Sinks + window (StreamingLLM): the first s tokens stay forever; the r newest share a ring.
 * - Heavy hitters (H2O): every cached token accumulates the attention it receives; when the cache
 *   is over budget, keep the `recent` newest and the `heavy` others with the largest total.
 * The cache is made once, with budget + 1 rows of K and of V, whatever N is. Cost: O(N·budget·d).
 */
import { tensors, type Tensor } from 'lab';

export type Policy =
  | { kind: 'window'; recent: number }
  | { kind: 'sinks'; sinks: number; recent: number }
  | { kind: 'h2o'; heavy: number; recent: number };

/** Slot of token t in a cache of s sink slots followed by a ring of r slots. */
export function sinkSlot(t: number, s: number, r: number): number {
  // TODO (1): tokens 0 … s − 1 keep slots 0 … s − 1 for good; every later token takes, in a ring
  // of r slots after them, the slot of the token that has just left the window of r newest (this one is a plain ring).
  return t % (s + r);
}

/**
 * H2O eviction: the cache holds `count` tokens in slots 0 … count − 1, oldest first, with
 * accumulated scores. Returns the slots to keep, oldest first: the `recent` newest, and among the
 * others the `heavy` with the largest score (on a tie, the older).
 */
export function h2oKeep(scores: ArrayLike<number>, count: number, heavy: number, recent: number): number[] {
  // TODO (2): keep everything while count ≤ heavy + recent; past that, the recent newest slots and
  // the heavy older slots with the largest accumulated scores (ties: the older), oldest first.
  return [...Array(Math.min(count, heavy + recent)).keys()];
}

/** Decode q, k, v ([N, d]) with an evicting cache; o and the positions the last query saw. */
export function decode(q: Tensor, k: Tensor, v: Tensor, policy: Policy): { o: Tensor; kept: number[] } {
  const [n, d] = q.shape;
  const sinks = policy.kind === 'sinks' ? policy.sinks : 0;
  const slots = policy.kind === 'h2o' ? policy.heavy + policy.recent + 1 : sinks + policy.recent;
  const kCache = tensors.zeros([slots, d]);
  const vCache = tensors.zeros([slots, d]);
  const score = { data: new Float64Array(slots) }; // accumulated in float64, as the reference
  const pos = new Int32Array(slots).fill(-1);
  const p = new Float64Array(slots);
  const o = new Float32Array(n * d);
  let count = 0; // H2O: slots in use, oldest first
  let kept: number[] = [];
  for (let t = 0; t < n; t++) {
    // Where token t goes: a ring slot (sinks/window), or the end of the compacted cache (H2O).
    const slot = policy.kind === 'h2o' ? count++ : sinkSlot(t, sinks, policy.recent);
    kCache.data.set(k.data.subarray(t * d, (t + 1) * d), slot * d);
    vCache.data.set(v.data.subarray(t * d, (t + 1) * d), slot * d);
    pos[slot] = t;
    score.data[slot] = 0; // a new token has received no attention yet
    const used = policy.kind === 'h2o' ? count : Math.min(t + 1, slots);
    attend(q, t, kCache, vCache, used, p, o);
    kept = Array.from(pos.subarray(0, used)).sort((a, b) => a - b);
    if (policy.kind !== 'h2o') continue;
    // Accumulate the attention each cached token just received, then evict and compact.
    // TODO (3): add to each used slot's score the probability its key just received (p).
    const keep = h2oKeep(score.data, count, policy.heavy, policy.recent);
    // TODO (4): compact the cache: move each kept slot's key, value, score and position down to
    // slots 0, 1, … in order (oldest first), so that the next token goes in at slot keep.length.
    count = keep.length;
  }
  return { o: { shape: [n, d], data: o }, kept };
}

/** Row t of o: softmax(q_t·K/√d) over slots 0 … used − 1 times V; p gets the probabilities. */
function attend(q: Tensor, t: number, kc: Tensor, vc: Tensor, used: number, p: Float64Array, o: Float32Array) {
  const d = q.shape[1];
  let max = -Infinity;
  for (let s = 0; s < used; s++) {
    let dot = 0;
    for (let c = 0; c < d; c++) dot += q.data[t * d + c] * kc.data[s * d + c];
    p[s] = dot / Math.sqrt(d);
    max = Math.max(max, p[s]);
  }
  let sum = 0;
  for (let s = 0; s < used; s++) sum += p[s] = Math.exp(p[s] - max);
  for (let s = 0; s < used; s++) {
    p[s] /= sum;
    for (let c = 0; c < d; c++) o[t * d + c] += p[s] * vc.data[s * d + c];
  }
}
