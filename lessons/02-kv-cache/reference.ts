/**
 * The float64 reference for this lesson: causal softmax attention recomputed over the whole
 * sequence at once, from the shared kernel registry (src/lib/kernels). Cached decoding must give
 * the same rows: token t's output depends only on q_t and the keys and values of tokens 0..t.
 * Cost: O(N²·d) for N tokens, which is exactly what the cache saves at generation time.
 */
import { runKernel } from '$lib/kernels';
import { toF64 } from '$lib/lessons/check-helpers';

type T = { shape: readonly number[]; data: ArrayLike<number> };

export function reference(q: T, k: T, v: T) {
  return runKernel('attention', { q: toF64(q), k: toF64(k), v: toF64(v) }, { causal: true }).o;
}
