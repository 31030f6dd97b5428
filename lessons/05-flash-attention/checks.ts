/**
 * Lesson 05 checks: (a) the one-pass online softmax of one row, on rows whose scores overflow a
 * naive e^s, handed over as a stream that can be read once; (b) the block sizes from the workgroup
 * memory; the tiled attention against the float64 reference (N = 1, N not a multiple of the block,
 * several d, scores that keep raising the row max); its memory, from a probe of one call (no N×N
 * buffer or graph tensor, and the bytes grow like N); and its global traffic, from the same
 * probes, against the exact model of its loop structure: on WebGPU the reads of q, k and v that an
 * instrumented copy of the learner's shader counts, on WASM the floats sent to and from
 * onnxruntime. On the simd backend (flash.as.ts) the traffic check gives way to the key-block
 * check: the same output for key blocks that do and do not divide N (1, 3, 7, 64, 500), so the
 * block bounds and the causal cut inside a block are right whatever B_c the learner picks.
 * The sweep (sweep.ts) times the tiled code beside lesson 01's naive kernel (on simd: beside
 * onnxruntime-web's naive graph, on the same chart, and against the key block).
 */
import type { Tensor } from 'lab';
import { formatBytes } from '$lib/bench/format';
import {
  type Message,
  cases,
  check,
  expectClose,
  fail,
  isTensor,
  largestAllocation,
  learner,
  matches,
  messages,
  seeded,
  totalBytes
} from '$lib/lessons/kit';
import { type Lab, type LessonContext, type LessonHarness } from '$lib/lessons/types';
import { WEBGPU_DEFAULT_LIMITS } from '$lib/runtime/limits';
import { D } from './memory';
import { blockSizesFor, reference, softmaxStats, unrescaledSum } from './reference';
import { sweep } from './sweep';
import { gpuTraffic, wasmTraffic } from './traffic';

interface FlashResult {
  o: Tensor;
  bc: number;
  br: number;
}
type OnlineSoftmax = (scores: Iterable<number>) => { max: number; sum: number };
type BlockSizes = (d: number, workgroupBytes: number) => { bc: number; br: number };

const SOFTMAX_WRONG = '{row}: got max {gotMax}, sum {gotSum}; expected max {max}, sum {sum}.';
const MEMORY = 'N = {n1}: {b1}; N = {n2}: {b2} (×{growth} for ×{ratio} N, like N^{exponent})';
const m = messages('05-flash-attention', {
  'read-twice':
    'onlineSoftmax read the row twice. The scores stream by once (as tiles of K do): keep a running max instead of finding the max first.',
  'softmax-type': 'onlineSoftmax must return { max: number, sum: number }, got {got}',
  'softmax-wrong': SOFTMAX_WRONG,
  'softmax-overflow': `${SOFTMAX_WRONG} e^1000 is Infinity even in float64: exponentiate s − max, never s.`,
  'softmax-max': `${SOFTMAX_WRONG} max must be the largest score seen.`,
  'softmax-unrescaled': `${SOFTMAX_WRONG} That is Σ e^{s_j − (max so far)}: when the max grows, the terms already in sum were computed against the old max. Multiply sum by e^{oldMax − newMax} first.`,
  'softmax-ok': 'one pass, exact max, sum within 1e-9 on rows where e^s overflows',
  'block-sizes-wrong':
    'blockSizes({d}, {bytes}) returned {got}; M = {bytes}/4 = {m} floats gives B_c = ⌈{m}/{fourD}⌉ = {bc}, B_r = min({bc}, {d}) = {br}',
  'block-sizes-device': 'with this device’s {size} of workgroup memory and d = {d}: B_c = ⌈{m}/{fourD}⌉ = {bc}',
  'block-sizes-default': 'with WebGPU’s default {size} of workgroup memory and d = {d}: B_c = ⌈{m}/{fourD}⌉ = {bc}',
  'not-result': 'attention must resolve to { o: Tensor, bc: number, br: number, loads }, got {got}',
  'no-update':
    'Every output is {what}: ℓ stayed 0, so no key ever reached the running state (m, ℓ, acc). Is the online-softmax update (TODO (b)) still the starter?',
  'not-causal': 'Your output equals attention WITHOUT the causal mask: query i may only see keys j ≤ i.',
  'nan-row':
    'Row {row} is NaN: e^{−∞ − (−∞)} or 0/0. Start m at a large negative number and skip tiles with no visible key.',
  'no-rescale':
    'Rows 0…{lastGood} see one block of {bc} keys and are right; row {row} spans {blocks} blocks. When a block raises the running max, ℓ and acc still hold sums against the old max: multiply both by e^{m − m_new}.',
  'output-ok': 'matches for {cases}',
  'memory-ok': MEMORY,
  'square-buffer': `${MEMORY}. The largest allocation, {what}, holds at least N×N floats: keep scores in workgroup memory, one tile at a time.`,
  'square-graph': `${MEMORY}. The largest allocation, {what}, has N×N elements or more: feed the keys in blocks.`,
  'faster-than-n': `${MEMORY}: faster than N. Which buffer grows with N²?`,
  'key-block-wrong':
    'With a key block of {bc} keys (N = {n}), {where} differs from the float64 reference: got {got}, expected {want}. The output must not depend on B_c: the last block of a row may be partial (min(j0 + B_c, end)), and inside a block row i sees only keys j ≤ i.',
  'key-block-ok': 'the same output for key blocks of {blocks} keys at N = {n}'
});

/** Key blocks the simd check tries: one key, sizes that do not divide N, the default, more than N. */
const KEY_BLOCKS = [1, 3, 7, 64, 500];

const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };
const listCases = (list: readonly { n: number; d: number }[]) => list.map((c) => `N = ${c.n} (d = ${c.d})`).join(', ');

/** One call of the learner's attention, its result checked for shape: { o, bc, br }. */
async function attention(ctx: LessonContext, q: Tensor, k: Tensor, v: Tensor): Promise<FlashResult> {
  const f = learner<(q: Tensor, k: Tensor, v: Tensor) => Promise<unknown>>(
    ctx,
    'attention',
    'attention(q, k, v): Promise<{ o, bc, br, loads }>'
  );
  const r = (await f(q, k, v)) as Partial<FlashResult> | null;
  if (!r || !isTensor(r.o) || typeof r.bc !== 'number' || typeof r.br !== 'number') {
    fail(m('not-result', { got: (JSON.stringify(r) ?? String(r)).slice(0, 80) }));
  }
  return { o: r.o, bc: r.bc, br: r.br };
}

/** The simd backend's attention with key block `keyBlock`. */
async function attentionWithKeyBlock(ctx: LessonContext, q: Tensor, k: Tensor, v: Tensor, keyBlock: number) {
  const f = learner<(q: Tensor, k: Tensor, v: Tensor, keyBlock: number) => Promise<unknown>>(
    ctx,
    'attention',
    'attention(q, k, v, keyBlock): Promise<{ o, bc, br, loads }>'
  );
  const r = (await f(q, k, v, keyBlock)) as Partial<FlashResult> | null;
  if (!r || !isTensor(r.o)) fail(m('not-result', { got: (JSON.stringify(r) ?? String(r)).slice(0, 80) }));
  return r.o;
}

/** Seeded q, k, v. `ramp` scales queries by 6 and key j by 1 + 3j/N: large scores whose row max
 *  keeps growing with j, so every later key block raises it (the case a missing rescale gets wrong). */
function inputs(lab: Lab, n: number, d: number, seed: number, ramp = false) {
  const t = seeded(lab, { q: [n, d], k: [n, d], v: [n, d] }, seed);
  if (ramp) {
    t.q.data.forEach((x, i) => (t.q.data[i] = 6 * x));
    t.k.data.forEach((x, i) => (t.k.data[i] = x * (1 + (3 * Math.floor(i / d)) / n)));
  }
  return t;
}

/** A row that can be iterated once, as a stream of scores would arrive. */
function stream(row: readonly number[]): Iterable<number> {
  let used = false;
  return {
    [Symbol.iterator]() {
      if (used) fail(m('read-twice'));
      used = true;
      return row[Symbol.iterator]();
    }
  };
}

const OUTPUT_CASES = cases(
  [
    { n: 1, d: 64, ramp: false },
    { n: 7, d: 16, ramp: false },
    { n: 45, d: 8, ramp: false },
    { n: 100, d: 32, ramp: false },
    { n: 130, d: 64, ramp: false },
    { n: 300, d: 64, ramp: true } // scores up to ~100: e^s overflows float32 unless the max is subtracted
  ],
  { block: 16, make: (n) => ({ n, d: 64, ramp: false }) }
);

/** Hint for a wrong output: the known mistakes, by what the output looks like. */
function outputHint(lab: Lab, r: FlashResult, q: Tensor, k: Tensor, v: Tensor, first: number): Message | null {
  const [n, d] = q.shape;
  const row = Math.floor(first / d);
  if (r.o.data.every((x) => x === 0) || r.o.data.every(Number.isNaN)) {
    return m('no-update', { what: r.o.data.every((x) => x === 0) ? '0' : 'NaN (0/0)' });
  }
  if (matches(lab, r.o, reference(q, k, v, false), TOLERANCE)) return m('not-causal');
  if (Number.isNaN(r.o.data[first])) return m('nan-row', { row });
  if (row >= r.bc) {
    return m('no-rescale', { lastGood: Math.min(r.bc, n) - 1, bc: r.bc, row, blocks: Math.floor(row / r.bc) + 1 });
  }
  return null;
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'online-softmax',
      title: '(a) onlineSoftmax: max and Σ e^{s−max} of a row in one pass',
      run(ctx) {
        const f = learner<OnlineSoftmax>(ctx, 'onlineSoftmax', 'onlineSoftmax(scores: Iterable<number>): { max, sum }');
        const random = Array.from(ctx.lab.tensors.randn([1000], 5).data, (x) => 500 + 40 * x);
        const rows: [string, number[]][] = [
          ['increasing scores 1000, 1001, …, 1063', Array.from({ length: 64 }, (_, j) => 1000 + j)],
          ['1000 random scores around 500 (spread 40)', random],
          ['decreasing scores 0, −1, …, −31', Array.from({ length: 32 }, (_, j) => -j)],
          ['[−1000, −999.5, −2000]', [-1000, -999.5, -2000]],
          ['the single score [−750]', [-750]]
        ];
        for (const [row, scores] of rows) {
          const want = softmaxStats(scores);
          const got = f(stream(scores));
          if (!got || typeof got.max !== 'number' || typeof got.sum !== 'number') {
            fail(m('softmax-type', { got: (JSON.stringify(got) ?? String(got)).slice(0, 80) }));
          }
          if (got.max === want.max && Math.abs(got.sum - want.sum) <= 1e-9 * want.sum) continue;
          const params = { row, gotMax: got.max, gotSum: got.sum, max: want.max, sum: want.sum };
          if (!Number.isFinite(got.sum)) fail(m('softmax-overflow', params));
          if (got.max !== want.max) fail(m('softmax-max', params));
          if (Math.abs(got.sum - unrescaledSum(scores)) <= 1e-9 * want.sum) fail(m('softmax-unrescaled', params));
          fail(m('softmax-wrong', params));
        }
        return m('softmax-ok');
      }
    }),
    check({
      id: 'block-sizes',
      title: 'blockSizes(d, bytes): B_c = ⌈M/4d⌉ with M = bytes/4 floats, B_r = min(B_c, d)',
      run(ctx) {
        const f = learner<BlockSizes>(ctx, 'blockSizes', 'blockSizes(d, workgroupBytes): { bc, br }');
        for (const [d, bytes] of [
          [64, 16384],
          [64, 32768],
          [8, 16384],
          [48, 16384],
          [128, 16384]
        ]) {
          const want = blockSizesFor(d, bytes);
          const got = f(d, bytes);
          if (got?.bc !== want.bc || got?.br !== want.br) {
            const m4 = bytes / 4;
            fail(m('block-sizes-wrong', { d, bytes, got: JSON.stringify(got), m: m4, fourD: 4 * d, ...want }));
          }
        }
        const { gpu } = ctx.lab;
        const here = gpu.available
          ? gpu.limits.maxComputeWorkgroupStorageSize
          : WEBGPU_DEFAULT_LIMITS.maxComputeWorkgroupStorageSize;
        const params = { size: formatBytes(here), d: D, m: here / 4, fourD: 4 * D, bc: f(D, here).bc };
        return m(gpu.available ? 'block-sizes-device' : 'block-sizes-default', params);
      }
    }),
    check({
      id: 'output',
      title: '(b) tiled causal attention matches the float64 reference',
      async run(ctx) {
        for (const [c, { n, d, ramp }] of OUTPUT_CASES.entries()) {
          const { q, k, v } = inputs(ctx.lab, n, d, 10 * c + 1, ramp);
          const r = await attention(ctx, q, k, v);
          const where = `N = ${n}, d = ${d}${ramp ? ' (large scores that grow along the keys)' : ''}`;
          expectClose(ctx.lab, r.o, reference(q, k, v), TOLERANCE, where, 'attention(q, k, v).o', (_, cmp) =>
            outputHint(ctx.lab, r, q, k, v, cmp.firstMismatch)
          );
        }
        return m('output-ok', { cases: listCases(OUTPUT_CASES) });
      }
    }),
    check({
      id: 'memory',
      title: 'no N×N buffer: the bytes a run allocates grow like N',
      async run(ctx) {
        const [n1, n2] = [256, 1024];
        const measure = async (n: number) => {
          const { q, k, v } = inputs(ctx.lab, n, D, 3);
          return (await ctx.probe(() => attention(ctx, q, k, v))).record;
        };
        const [r1, r2] = [await measure(n1), await measure(n2)];
        const [b1, b2] = [totalBytes(r1), totalBytes(r2)];
        const exponent = Math.log(b2 / b1) / Math.log(n2 / n1);
        const params = {
          n1,
          n2,
          b1: formatBytes(b1),
          b2: formatBytes(b2),
          growth: (b2 / b1).toFixed(2),
          ratio: n2 / n1,
          exponent: exponent.toFixed(2)
        };
        const big = largestAllocation(r2);
        if (big && big.bytes >= 4 * n2 * n2) {
          const inGraph = r2.graphs.some((g) => g.values.some((x) => x.name === big.label));
          fail(m(inGraph ? 'square-graph' : 'square-buffer', { ...params, what: big.text }));
        }
        if (exponent > 1.2) fail(m('faster-than-n', params));
        return m('memory-ok', params);
      }
    }),
    check({
      id: 'traffic',
      title: 'global traffic counted while it runs equals the model of its loop structure',
      backends: ['webgpu', 'wasm'],
      run: (ctx) => (ctx.backend === 'webgpu' ? gpuTraffic : wasmTraffic)(ctx, { attention, inputs })
    }),
    check({
      id: 'key-block',
      title: 'flash.as.ts: the same output whatever the key block B_c (1, 3, 7, 64, 500 keys)',
      backends: ['simd'],
      async run(ctx) {
        const n = 300;
        const { q, k, v } = inputs(ctx.lab, n, 16, 7, true);
        const want = reference(q, k, v);
        for (const bc of KEY_BLOCKS) {
          const o = await attentionWithKeyBlock(ctx, q, k, v, bc);
          const cmp = ctx.lab.tensors.compare(o, want, TOLERANCE);
          if (!cmp.ok) {
            const i = Math.max(0, cmp.firstMismatch);
            const where = `row ${Math.floor(i / 16)}, column ${i % 16}`;
            fail(
              m('key-block-wrong', { bc, n, where, got: +o.data[i].toPrecision(6), want: +want.data[i].toPrecision(6) })
            );
          }
        }
        return m('key-block-ok', { blocks: KEY_BLOCKS.join(', '), n });
      }
    })
  ],
  sweep
};
