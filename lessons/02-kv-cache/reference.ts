/**
 * The float64 reference for this lesson: causal softmax attention recomputed over the whole
 * sequence at once, from the shared kernel registry (src/lib/kernels). Cached decoding must give
 * the same rows: token t's output depends only on q_t and the keys and values of tokens 0..t.
 * Cost: O(N²·d) for N tokens, which is exactly what the cache saves at generation time.
 */
import { runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };

const f64 = (t: T) => tensor([...t.shape], t.data);

export function reference(q: T, k: T, v: T, causal = true) {
  return runKernel('attention', { q: f64(q), k: f64(k), v: f64(v) }, { causal }).o;
}
