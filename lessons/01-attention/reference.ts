/**
 * The float64 reference for this lesson: causal softmax attention for one head, from the shared
 * kernel registry (src/lib/kernels). Learner inputs are float32; the reference widens them to
 * float64 so that its own rounding is negligible next to the learner's.
 */
import { runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };

const f64 = (t: T) => tensor([...t.shape], t.data);

export function reference(q: T, k: T, v: T, causal = true) {
  return runKernel('attention', { q: f64(q), k: f64(k), v: f64(v) }, { causal }).o;
}
