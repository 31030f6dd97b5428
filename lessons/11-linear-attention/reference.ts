/**
 * The float64 reference for this lesson: linear attention with a feature map φ, optionally
 * normalised, built on the shared registry's `linear_attention` (src/lib/kernels).
 *
 * What the registry lacks, and this file adds:
 * - the feature map φ (identity or elu + 1), applied to q and k before the kernel;
 * - the normaliser. It needs no second kernel: the denominator φ(q_t)·Σ_{s≤t} φ(k_s) is linear
 *   attention itself with v = 1 (a column of ones), so o = LinAttn(φq, φk, v) / LinAttn(φq, φk, 1).
 *
 * `variant` recomputes the output with the typical mistakes switched on (token t left out of its
 * own state, a state overwritten by each token instead of added to), by direct float64 loops; the checks use it only to name the
 * mistake in their messages. Cost: O(N·dk·dv) per call, like the recurrent form.
 */
import { runKernel, tensor } from '$lib/kernels';

export type FeatureMap = 'identity' | 'elu1';
export interface Options {
  featureMap: FeatureMap;
  normalize: boolean;
}
type T = { shape: readonly number[]; data: ArrayLike<number> };
type F64 = { shape: number[]; data: Float64Array };

/** φ for one number: elu(x) + 1 is x + 1 for x > 0 and e^x otherwise, so it is always positive. */
export function phi(x: number, kind: FeatureMap): number {
  return kind === 'identity' ? x : x > 0 ? x + 1 : Math.exp(x);
}

export function mapPhi(x: T, kind: FeatureMap): F64 {
  return { shape: [...x.shape], data: Float64Array.from(x.data, (e) => phi(e, kind)) };
}

/** o_t = φ(q_t)ᵀ S_t (÷ φ(q_t)ᵀ z_t when normalising), S_t = Σ_{s≤t} φ(k_s) v_sᵀ, z_t = Σ_{s≤t} φ(k_s). */
export function reference(q: T, k: T, v: T, options: Options): F64 {
  const fq = mapPhi(q, options.featureMap);
  const fk = mapPhi(k, options.featureMap);
  const num = runKernel('linear_attention', { q: fq, k: fk, v: tensor([...v.shape], v.data) }, { form: 'recurrent' }).o;
  if (!options.normalize) return num;
  const n = q.shape[0];
  const ones = { shape: [n, 1], data: new Float64Array(n).fill(1) };
  const den = runKernel('linear_attention', { q: fq, k: fk, v: ones }, { form: 'recurrent' }).o;
  const dv = v.shape[1];
  const o = { shape: [n, dv], data: new Float64Array(n * dv) };
  for (let t = 0; t < n; t++) for (let j = 0; j < dv; j++) o.data[t * dv + j] = num.data[t * dv + j] / den.data[t];
  return o;
}

/**
 * The same output with a typical mistake: token t missing from its own state (`exclusive`), or a
 * state that holds only the latest token (`onlySelf`: overwritten, not added to).
 */
export function variant(q: T, k: T, v: T, options: Options & { exclusive?: boolean; onlySelf?: boolean }): F64 {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const fq = mapPhi(q, options.featureMap).data;
  const fk = mapPhi(k, options.featureMap).data;
  const o = { shape: [n, dv], data: new Float64Array(n * dv) };
  for (let t = 0; t < n; t++) {
    const last = options.exclusive ? t - 1 : t;
    let den = 0;
    for (let s = options.onlySelf ? t : 0; s <= last; s++) {
      let a = 0;
      for (let i = 0; i < dk; i++) a += fq[t * dk + i] * fk[s * dk + i];
      den += a;
      for (let j = 0; j < dv; j++) o.data[t * dv + j] += a * v.data[s * dv + j];
    }
    if (options.normalize) for (let j = 0; j < dv; j++) o.data[t * dv + j] /= den;
  }
  return o;
}
