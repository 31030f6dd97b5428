/**
 * Lesson 02, the cache itself: (a) append writes the new rows at rows pos.. of both caches and
 * leaves every other row alone, read back from the learner's cache; (b) one decode step, probed
 * with t tokens cached in a larger cache: it appends token t in place (the cache's arrays or
 * buffers are the same objects afterwards, and row t holds the new key), allocates nothing the
 * size of the prefix (WebGPU), and reads only the t + 1 filled rows: on WebGPU the reads of
 * kCache and vCache that an instrumented copy of attend.wgsl counts, on WASM the rows of the
 * graph's largest input.
 */
import type { GpuBuffer, Tensor } from 'lab';
import { formatBytes } from '$lib/bench/format';
import { type Message, check, fail, largestAllocation, learner, messages, reads, seeded } from '$lib/lessons/kit';
import type { LessonContext } from '$lib/lessons/types';

type CreateCache = (capacity: number, d: number) => unknown;
type Append = (cache: unknown, pos: number, k: Tensor, v: Tensor) => Promise<void>;
type DecodeStep = (cache: unknown, t: number, q: Tensor, k: Tensor, v: Tensor) => Promise<Tensor>;

const m = messages('02-kv-cache', {
  'cache-shape': 'createCache must return the KVCache of main.ts: { kind, capacity, d, k, v }, with k and v {what}',
  'append-row':
    'After append(cache, {pos}, k, v) with {rows} new rows and d = {d}, row {row} of the {which} cache should hold new row {index}: {got}.',
  'append-offset': 'it is at element {at}: a row is d numbers, so row pos starts at element pos·d',
  'append-missing': 'it is not there',
  'append-other':
    'After append(cache, {pos}, …), row {row} of the {which} cache changed: append writes only the rows of the new tokens.',
  'append-ok': 'append writes rows pos.. of both caches and no other row',
  reallocated:
    'decodeStep(cache, {t}, …) replaced the cache’s {which} {what} by a new one: copying the whole cache to add one row costs O(N) per token. Write the new row in place.',
  'not-appended':
    'After decodeStep(cache, {t}, …), row {t} of the K cache does not hold token {t}’s key: the next step would not see it.',
  'step-allocates':
    'One decode step with t = {t} cached tokens allocated {what}, as much as the prefix’s keys ({prefix}): a step uploads one token’s q, k and v, the cache stays where it is.',
  'read-too-much-gpu':
    'One decode step at t = {t} read {got} numbers of {which}; the t + 1 = {seen} cached rows hold {want}: read each cached row once, and only rows 0..t.',
  'read-too-much-wasm':
    'One decode step at t = {t} handed onnxruntime {rows} rows of the cache (its capacity is {capacity}); query t sees only the t + 1 = {seen} filled rows.',
  'no-graph': 'One decode step ran no ONNX graph: on WASM, attend runs the attention as a graph.',
  'step-ok': 'a decode step at t = {t} appends one row in place and reads the {seen} cached rows ({detail})'
});

const isGpuBuffer = (x: unknown): x is GpuBuffer =>
  typeof x === 'object' && x !== null && typeof (x as GpuBuffer).label === 'string' && 'size' in x;

/** The cache's K and V storage (the objects themselves) and a way to read their numbers. */
function storage(cache: unknown): { k: object; v: object } {
  const c = (typeof cache === 'object' && cache !== null ? cache : {}) as { k?: unknown; v?: unknown };
  const ok = (x: unknown) => x instanceof Float32Array || isGpuBuffer(x);
  if (!ok(c.k) || !ok(c.v)) fail(m('cache-shape', { what: 'Float32Arrays (WASM) or GPU buffers (WebGPU)' }));
  return { k: c.k as object, v: c.v as object };
}

async function numbers(ctx: LessonContext, x: object): Promise<Float32Array> {
  return x instanceof Float32Array ? x : (await ctx.lab.gpu.read(x as GpuBuffer)).data;
}

const rowOf = (a: Float32Array, row: number, d: number) => a.subarray(row * d, (row + 1) * d);
const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((x, i) => x === b[i]);

/** Where `row` sits in `a` (element offset), if anywhere. */
function find(a: Float32Array, row: Float32Array): number {
  for (let at = 0; at + row.length <= a.length; at++) if (same(a.subarray(at, at + row.length), row)) return at;
  return -1;
}

export const appendCheck = check({
  id: 'append',
  title: 'append writes the new rows at rows pos, pos+1, … of both caches, and nothing else',
  async run(ctx) {
    const createCache = learner<CreateCache>(ctx, 'createCache', 'createCache(capacity, d)');
    const append = learner<Append>(ctx, 'append', 'append(cache, pos, k, v): Promise<void>');
    const [capacity, d] = [12, 4];
    const cache = createCache(capacity, d);
    const expected = { k: new Float32Array(capacity * d), v: new Float32Array(capacity * d) };
    // Two rows at position 7 into an empty cache, then three at position 0: each time, rows pos..
    // hold the new rows and every other row is as it was.
    for (const [i, { pos, rows }] of [
      { pos: 7, rows: 2 },
      { pos: 0, rows: 3 }
    ].entries()) {
      const fresh = seeded(ctx.lab, { k: [rows, d], v: [rows, d] }, 900 + 10 * i);
      await append(cache, pos, fresh.k, fresh.v);
      expected.k.set(fresh.k.data, pos * d);
      expected.v.set(fresh.v.data, pos * d);
      const { k, v } = storage(cache);
      for (const [which, got, want] of [
        ['K', await numbers(ctx, k), expected.k],
        ['V', await numbers(ctx, v), expected.v]
      ] as const) {
        // The new rows first, then every other row.
        const order = Array.from({ length: capacity }, (_, r) => (pos + r) % capacity);
        for (const row of order) {
          if (same(rowOf(got, row, d), rowOf(want, row, d))) continue;
          if (row < pos || row >= pos + rows) fail(m('append-other', { pos, row, which }));
          const at = find(got, rowOf(want, row, d));
          const detail = at >= 0 ? m('append-offset', { at }) : m('append-missing');
          fail(m('append-row', { pos, rows, d, row, which, index: row - pos, got: detail.text }));
        }
      }
    }
    return m('append-ok');
  }
});

export const decodeStepCheck = check({
  id: 'decode-step',
  title: 'One decode step appends one row in place and reads only the t + 1 cached rows',
  async run(ctx) {
    const createCache = learner<CreateCache>(ctx, 'createCache', 'createCache(capacity, d)');
    const append = learner<Append>(ctx, 'append', 'append(cache, pos, k, v): Promise<void>');
    const decodeStep = learner<DecodeStep>(ctx, 'decodeStep', 'decodeStep(cache, t, q, k, v): Promise<Tensor>');
    const [capacity, t, d] = [160, 100, 16];
    const prefix = seeded(ctx.lab, { k: [t, d], v: [t, d] }, 920);
    const token = seeded(ctx.lab, { q: [1, d], k: [1, d], v: [1, d] }, 930);
    const cache = createCache(capacity, d);
    await append(cache, 0, prefix.k, prefix.v);
    const before = storage(cache);
    const { record } = await ctx.probe(() => decodeStep(cache, t, token.q, token.k, token.v));
    const after = storage(cache);
    for (const which of ['k', 'v'] as const) {
      if (after[which] !== before[which]) {
        const what = after[which] instanceof Float32Array ? 'array' : 'buffer';
        fail(m('reallocated', { t, which: which.toUpperCase(), what }));
      }
    }
    if (!same(rowOf(await numbers(ctx, after.k), t, d), token.k.data)) fail(m('not-appended', { t }));

    const seen = t + 1;
    let detail: Message;
    if (ctx.backend === 'webgpu') {
      const largest = largestAllocation(record);
      const prefixBytes = 4 * t * d;
      if (largest && largest.bytes >= prefixBytes) {
        fail(m('step-allocates', { t, what: largest.text, prefix: formatBytes(prefixBytes) }));
      }
      for (const which of ['kCache', 'vCache']) {
        const got = reads(record, which);
        if (got !== null && got > seen * d) fail(m('read-too-much-gpu', { t, got, which, seen, want: seen * d }));
      }
      detail = m('step-ok', { t, seen, detail: `reads of kCache: ${reads(record, 'kCache') ?? 'not counted'}` });
    } else {
      if (record.graphs.length === 0) fail(m('no-graph'));
      const largest = Math.max(
        ...record.graphs.flatMap((g) => g.inputs.map((x) => x.shape.reduce((a, b) => a * b, 1)))
      );
      const rows = Math.ceil(largest / d);
      if (rows > seen) fail(m('read-too-much-wasm', { t, rows, capacity, seen }));
      detail = m('step-ok', { t, seen, detail: `the largest graph input holds ${rows} rows of d = ${d}` });
    }
    return detail;
  }
});
