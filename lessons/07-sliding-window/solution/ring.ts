/**
 * Step 4: decoding with a sliding window. Tokens arrive one at a time; token t attends to the
 * keys t − w + 1 … t. Those are the only keys any later token will need, so the cache is a ring
 * of w slots: token t's key and value overwrite the slot of token t − w, which has just left
 * every future window. The cache is 2·w·d floats however long the sequence grows (a full KV cache,
 * lesson 02, holds 2·N·d). Cost per token: O(w·d).
 */
import { tensors, type Tensor } from 'lab';

/** Decode q, k, v ([N, d]) token by token with a w-slot KV cache; returns o ([N, d]). */
export function decode(q: Tensor, k: Tensor, v: Tensor, w: number): Tensor {
  const [n, d] = q.shape;
  // The cache is made through the lab, so the check can see how big it is.
  const kCache = tensors.zeros([w, d]);
  const vCache = tensors.zeros([w, d]);
  const o = new Float32Array(n * d);
  const scores = new Float32Array(w);
  const scale = 1 / Math.sqrt(d);
  for (let t = 0; t < n; t++) {
    // Token t takes the slot of token t − w, which no window needs any more.
    const slot = t % w;
    kCache.data.set(k.data.subarray(t * d, (t + 1) * d), slot * d);
    vCache.data.set(v.data.subarray(t * d, (t + 1) * d), slot * d);
    // Slots 0 … filled − 1 hold tokens max(0, t − w + 1) … t, in ring order; softmax ignores order.
    const filled = Math.min(t + 1, w);
    let max = -Infinity;
    for (let s = 0; s < filled; s++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q.data[t * d + c] * kCache.data[s * d + c];
      scores[s] = dot * scale;
      max = Math.max(max, scores[s]);
    }
    let sum = 0;
    for (let s = 0; s < filled; s++) {
      const p = Math.exp(scores[s] - max);
      sum += p;
      for (let c = 0; c < d; c++) o[t * d + c] += p * vCache.data[s * d + c];
    }
    for (let c = 0; c < d; c++) o[t * d + c] /= sum;
  }
  return { shape: [n, d], data: o };
}
