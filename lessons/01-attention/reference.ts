/**
 * The float64 reference for this lesson: causal softmax attention for one head, from the shared
 * kernel registry (src/lib/kernels). Learner inputs are float32; the reference widens them to
 * float64 so that its own rounding is negligible next to the learner's.
 */
import { runKernel } from '$lib/kernels';
import { toF64 } from '$lib/lessons/check-helpers';

type T = { shape: readonly number[]; data: ArrayLike<number> };

export function reference(q: T, k: T, v: T, causal = true) {
  return runKernel('attention', { q: toF64(q), k: toF64(k), v: toF64(v) }, { causal }).o;
}
