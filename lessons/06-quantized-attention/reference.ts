/**
 * Float64 references for quantized attention (the SageAttention idea), one head, causal:
 *   smoothK:    K − mean_t(K), the mean key over tokens (SageAttention's "smooth K").
 *   fakeQuant:  per-block symmetric quantize–dequantize, x̂ = round(x/δ)·δ, δ = max|X_block|/(2^(b−1)−1),
 *               one δ per block of `block` consecutive tokens (rows). A block of zeros stays zero.
 *   attention:  the shared registry's causal softmax attention (src/lib/kernels), exact.
 * Cost: O(N·d) for smoothing and quantization, O(N²·d) for attention. The registry has attention
 * but no quantization, so the lesson carries these two small functions.
 */
import { runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };
type F64 = { shape: number[]; data: Float64Array };

const f64 = (t: T): F64 => tensor([...t.shape], t.data);

/** Exact causal attention, in float64. */
export function attention(q: T, k: T, v: T): F64 {
  return runKernel('attention', { q: f64(q), k: f64(k), v: f64(v) }, { causal: true }).o;
}

/** Subtract the mean key over tokens from every key. */
export function smoothK(k: T): F64 {
  const [n, d] = k.shape;
  const mean = new Float64Array(d);
  for (let t = 0; t < n; t++) for (let c = 0; c < d; c++) mean[c] += k.data[t * d + c] / n;
  const out = new Float64Array(n * d);
  for (let t = 0; t < n; t++) for (let c = 0; c < d; c++) out[t * d + c] = k.data[t * d + c] - mean[c];
  return { shape: [n, d], data: out };
}

/** Largest integer level of a signed b-bit code, symmetric: 127 for INT8, 7 for INT4. */
export const qmax = (bits: number) => 2 ** (bits - 1) - 1;

/** Per-block quantize–dequantize; also returns each block's scale δ. */
export function fakeQuant(x: T, bits: number, block: number): F64 & { delta: Float64Array } {
  const [n, d] = x.shape;
  const out = new Float64Array(n * d);
  const delta = new Float64Array(Math.ceil(n / block));
  for (let b = 0; b < delta.length; b++) {
    const [lo, hi] = [b * block * d, Math.min(n, (b + 1) * block) * d];
    let amax = 0;
    for (let i = lo; i < hi; i++) amax = Math.max(amax, Math.abs(x.data[i]));
    delta[b] = amax / qmax(bits);
    for (let i = lo; i < hi; i++) out[i] = delta[b] > 0 ? Math.round(x.data[i] / delta[b]) * delta[b] : 0;
  }
  return { shape: [n, d], data: out, delta };
}

/** Cosine similarity and relative L2 error of an output against the reference. */
export function error(got: ArrayLike<number>, want: ArrayLike<number>): { cos: number; rel: number } {
  let ab = 0,
    aa = 0,
    bb = 0,
    e = 0;
  for (let i = 0; i < want.length; i++) {
    ab += got[i] * want[i];
    aa += got[i] * got[i];
    bb += want[i] * want[i];
    e += (got[i] - want[i]) ** 2;
  }
  return { cos: ab / Math.sqrt(aa * bb), rel: Math.sqrt(e / bb) };
}
