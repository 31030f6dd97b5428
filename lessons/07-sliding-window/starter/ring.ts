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
  const o = new Float32Array(n * d);
  // TODO (4): for t = 0 … n − 1, put token t's key and value into a K and a V cache of w rows
  // each (make them once, with tensors.zeros, so the check can measure them), in the slot whose
  // token no window needs any more; then write row t of o: softmax(q_t·kᵀ/√d) over the keys the
  // cache holds for t (tokens max(0, t − w + 1) … t) times their values. The cache must stay
  // 2·w·d floats whatever n is.
  return { shape: [n, d], data: o };
}
