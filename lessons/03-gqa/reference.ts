/**
 * The float64 references for one GQA decode step (q: [H, d], one query per head; k, v: [g, N, d]).
 * - mhaRepeated: what GQA means, the long way. K and V are repeated so that query head h gets its
 *   own copy of KV head map(h), then plain attention (registry 'attention') runs head by head, as
 *   FlashAttention's attention_ref does with einops.repeat. Cost O(H·N·d), plus H/g copies of the cache.
 * - gqaRegistry: the shared registry's gqa_attention (head h reads ⌊h·g/H⌋), without the copies.
 * The check uses the first as the answer and asserts that the second agrees with it.
 */
import { runKernel } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };
type Out = { shape: number[]; data: Float64Array };

/** The grouping of GQA: consecutive query heads share a KV head. */
export const grouped = (h: number, H: number, g: number) => Math.floor((h * g) / H);

/** A [rows, cols] float64 tensor from block `index` of a [blocks, rows, cols] one. */
function block(x: T, index: number, rows: number, cols: number) {
  const data = Float64Array.from({ length: rows * cols }, (_, i) => x.data[index * rows * cols + i]);
  return { shape: [rows, cols], data };
}

export function mhaRepeated(
  q: T,
  k: T,
  v: T,
  map: (h: number, H: number, g: number) => number = grouped,
  scale?: number
): Out {
  const [H, d] = q.shape;
  const [g, n] = k.shape;
  const o = { shape: [H, d], data: new Float64Array(H * d) };
  for (let h = 0; h < H; h++) {
    const kv = map(h, H, g); // repeat: head h gets its own copy of KV head kv
    const kRep = block(k, kv, n, d);
    const vRep = block(v, kv, n, d);
    // One new query at the end of the sequence: causal attention sees every cached token.
    const oh = runKernel('attention', { q: block(q, h, 1, d), k: kRep, v: vRep }, { causal: true, scale }).o;
    o.data.set(oh.data, h * d);
  }
  return o;
}

export function gqaRegistry(q: T, k: T, v: T): Out {
  const [H, d] = q.shape;
  const f64 = (x: T, shape: number[]) => ({ shape, data: Float64Array.from(x.data) });
  const o = runKernel(
    'gqa_attention',
    { q: f64(q, [H, 1, d]), k: f64(k, [...k.shape]), v: f64(v, [...v.shape]) },
    { causal: true }
  ).o;
  return { shape: [H, d], data: o.data };
}
