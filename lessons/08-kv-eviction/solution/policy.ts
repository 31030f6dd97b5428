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
  return t < s ? t : s + ((t - s) % r);
}

/**
 * H2O eviction: the cache holds `count` tokens in slots 0 … count − 1, oldest first, with
 * accumulated scores. Returns the slots to keep, oldest first: the `recent` newest, and among the
 * others the `heavy` with the largest score (on a tie, the older).
 */
export function h2oKeep(scores: ArrayLike<number>, count: number, heavy: number, recent: number): number[] {
  if (count <= heavy + recent) return [...Array(count).keys()];
  const old = [...Array(count - recent).keys()];
  old.sort((a, b) => scores[b] - scores[a] || a - b);
  const hh = old.slice(0, heavy).sort((a, b) => a - b);
  for (let i = count - recent; i < count; i++) hh.push(i);
  return hh;
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
    for (let i = 0; i < used; i++) score.data[i] += p[i];
    const keep = h2oKeep(score.data, count, policy.heavy, policy.recent);
    keep.forEach((from, to) => {
      kCache.data.copyWithin(to * d, from * d, (from + 1) * d);
      vCache.data.copyWithin(to * d, from * d, (from + 1) * d);
      score.data[to] = score.data[from];
      pos[to] = pos[from];
    });
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
