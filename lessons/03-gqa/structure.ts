/**
 * Lesson 03, what GQA saves, from probes: (a) the cache upload() builds holds g KV heads (WebGPU:
 * the buffers it allocated; WASM: the tensors it holds, since it may keep the caller's k and v
 * without a copy), not K and V repeated for every query head; (b) one decode step makes no copy of
 * a KV head per query head either: no GPU buffer, lab tensor or graph value of the step is larger
 * than the g heads of K (or of V) themselves.
 */
import type { GpuBuffer, Tensor } from 'lab';
import { check, fail, isTensor, largestAllocation, learner, messages, seeded } from '$lib/lessons/kit';
import type { LessonContext } from '$lib/lessons/types';

type Upload = (k: Tensor, v: Tensor) => unknown;
type GqaDecode = (q: Tensor, cache: unknown) => Promise<Tensor>;

const m = messages('03-gqa', {
  'cache-ok': 'g = {g} KV heads of {n} tokens, d = {d}: {bytes} bytes, {ratio}× less than MHA’s {mha}',
  'cache-repeated':
    'the cache holds K and V repeated for all H = {H} query heads ({bytes} bytes): the output is right, but nothing is saved. Keep the g heads; let each query head read its KV head.',
  'cache-empty':
    'no GPU buffers or tensors found in what upload() made: keep the K and V buffers (WebGPU) or tensors (WASM) in the cache',
  'cache-wrong':
    'the cache holds {bytes} bytes; K and V for g = {g} heads × {n} tokens × d = {d} in float32 are {want}',
  'step-copies':
    'One decode step (H = {H}, g = {g}, N = {n}, d = {d}) made {what}, larger than the g KV heads of K ({limit} bytes): a copy of K or V for every query head. Let each query head read its group’s KV head where it is.',
  'step-ok': 'one decode step (H = {H}, g = {g}, N = {n}) made nothing larger than the g KV heads of K: {largest}'
});

export const UPLOAD = 'upload(k, v): Cache';
export const DECODE = 'gqaDecode(q, cache): Promise<Tensor>';
const fmt = (x: number) => x.toLocaleString('en-US');

export const isGpuBuffer = (x: unknown): x is GpuBuffer =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as GpuBuffer).label === 'string' &&
  typeof (x as GpuBuffer).size === 'number';

/** Bytes of the tensors a cache holds (its fields, and arrays in them). */
function heldTensorBytes(cache: unknown): number {
  if (typeof cache !== 'object' || cache === null) return 0;
  const fields = Object.values(cache).flatMap((x: unknown) => (Array.isArray(x) ? x : [x]));
  return fields.reduce((a: number, x) => a + (isTensor(x) ? x.data.byteLength : 0), 0);
}

/**
 * upload(k, v), and the bytes its cache holds. WebGPU: every GPU buffer upload() allocated, from the
 * probe (a CPU array it made on the way is not the cache). WASM: the tensors the cache holds, since
 * it may keep the caller's k and v without a copy.
 */
export async function uploadMeasured(
  ctx: LessonContext,
  k: Tensor,
  v: Tensor
): Promise<{ cache: unknown; bytes: number }> {
  const upload = learner<Upload>(ctx, 'upload', UPLOAD);
  const { result: cache, record } = await ctx.probe(() => upload(k, v));
  const gpuBytes = record.allocations.filter((a) => a.kind === 'gpu').reduce((a, x) => a + x.bytes, 0);
  return { cache, bytes: ctx.backend === 'webgpu' ? gpuBytes : heldTensorBytes(cache) };
}

export const cacheSizeCheck = check({
  id: 'cache-size',
  title: 'The cache holds g KV heads, not a copy per query head',
  async run(ctx) {
    const [heads, g, n, d] = [8, 2, 100, 16];
    const { k, v } = seeded(ctx.lab, { k: [g, n, d], v: [g, n, d] }, 1);
    const { bytes } = await uploadMeasured(ctx, k, v);
    const want = 2 * g * n * d * 4;
    if (bytes === (want * heads) / g) fail(m('cache-repeated', { H: heads, bytes: fmt(bytes) }));
    if (bytes === 0) fail(m('cache-empty'));
    if (bytes !== want) fail(m('cache-wrong', { bytes: fmt(bytes), g, n, d, want: fmt(want) }));
    return m('cache-ok', { g, n, d, bytes: fmt(want), ratio: heads / g, mha: fmt((want * heads) / g) });
  }
});

export const noRepeatCheck = check({
  id: 'no-repeat',
  title: 'A decode step makes no copy of K or V per query head',
  async run(ctx) {
    const upload = learner<Upload>(ctx, 'upload', UPLOAD);
    const gqaDecode = learner<GqaDecode>(ctx, 'gqaDecode', DECODE);
    const [heads, g, n, d] = [8, 2, 100, 16];
    const { q, k, v } = seeded(ctx.lab, { q: [heads, d], k: [g, n, d], v: [g, n, d] }, 3);
    const cache = upload(k, v);
    const { record } = await ctx.probe(() => gqaDecode(q, cache));
    // The step's own buffers, tensors and graph values: K (or V) of the g heads is the most any
    // of them needs to hold; a per-query-head copy holds H/g times more.
    const limit = 4 * g * n * d;
    const largest = largestAllocation(record);
    const params = { H: heads, g, n, d };
    if (largest && largest.bytes > limit) fail(m('step-copies', { ...params, what: largest.text, limit: fmt(limit) }));
    return m('step-ok', { ...params, largest: largest ? largest.text : 'nothing allocated' });
  }
});
