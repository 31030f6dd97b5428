/**
 * Lesson 07 checks: (1) the learner's mask builder against the reference masks (sliding window,
 * dilated, with global tokens), their closed form for the nonzeros of the causal window against the
 * count of their own mask, and the README's three pictures against their mask builder; (2) the
 * banded attention against the float64 reference (registry `attention` with `window`), on several
 * N and w (w = 1, w ≥ N, N not a multiple of a block); its reads, from the probes (on WebGPU the
 * reads of q, k and v that an instrumented copy of banded.wgsl counts, on WASM the floats sent to
 * and from onnxruntime), against the exact count of a loop that visits the band only; its memory
 * (no N×N allocation); (4) the decoder against the same reference, with a cache that must not grow
 * with N. The sweep (sweep.ts) times the banded code beside lesson 01's naive kernel.
 */
import type { Tensor } from 'lab';
import readme from './README.md?raw';
import { formatBytes } from '$lib/bench/format';
import {
  type Message,
  cases,
  check,
  expectClose,
  expectTensor,
  fail,
  largestAllocation,
  learner,
  matches,
  messages,
  reads,
  seeded,
  totalBytes,
  transferred
} from '$lib/lessons/kit';
import type { Lab, LessonContext, LessonHarness, ProbeRecord } from '$lib/lessons/types';
import { ringBytes } from './memory';
import {
  BR,
  type MaskSpec,
  bandedReads,
  bandedTransfers,
  causalReads,
  causalReference,
  maskRef,
  reference,
  swaCount
} from './reference';
import { sweep } from './sweep';

type BuildMask = (n: number, spec: MaskSpec) => unknown;
type Attention = (q: Tensor, k: Tensor, v: Tensor, w: number) => Promise<unknown>;
type Decode = (q: Tensor, k: Tensor, v: Tensor, w: number) => unknown;

const MEMORY = 'N = {n1}: {b1}; N = {n2}: {b2} (×{growth} for ×{ratio} N, like N^{exponent})';
const GPU_READS =
  'N = {n}, w = {w}, d = {d}: the harness counted {counted} floats of Q, K and V read ({counts}); a loop over the band reads N·d + 2·d·Σ_b (e_b − max(0, r0_b − w + 1)) = {want} (B_r = {br}: block b holds rows r0_b … e_b − 1).';
const WASM_READS =
  'N = {n}, w = {w}, d = {d}: {counted} floats went to and from onnxruntime; a block loop over the band sends ⌈N/{qb}⌉·(2·{qb}·d + 2·({qb} + w − 1)·d + 1) = {want} ({calls} calls; the largest K block sent was [{kShape}]).';
const m = messages('07-sliding-window', {
  'mask-type': 'buildMask({n}, {spec}) must return a Uint8Array (or array) of N·N = {size} zeros and ones, got {got}',
  'mask-wrong':
    'buildMask({n}, {spec}): row {i}, key {j} is {got}, expected {want} (query i sees key j iff j ≤ i and, with r the dilation, i − j is a multiple of r below r·w, or j is one of the first g keys).',
  'mask-wide':
    'buildMask({n}, {spec}) lets each query see w + 1 keys: i − j ≤ w instead of i − j < w (the query itself is one of its w keys).',
  'mask-future': 'buildMask({n}, {spec}) is not causal: query {i} sees key {j}, in its future.',
  'mask-ok': 'sliding window, dilated window and global tokens match the reference masks for {cases}',
  'count-mask-first':
    'buildMask({n}, {window: {w}}) has {got} nonzeros, but the causal window has {want}: fix the mask builder first (the check above says where).',
  'count-wrong': 'swaNonzeros({n}, {w}) = {got}, but your mask buildMask({n}, {window: {w}}) has {count} nonzeros.',
  'count-long-window':
    'swaNonzeros({n}, {w}) = {got}, but your mask has {count} nonzeros. w·N − w(w − 1)/2 holds only while w ≤ N: a window longer than the sequence is cut at key 0 in every row.',
  'count-ok': 'swaNonzeros(N, w) equals the nonzeros of your mask for (N, w) = {cases}',
  'figure-missing':
    'The README should show three masks (<svg data-mask-n=…>), and {found} were found: the pictures of this lesson are checked against your buildMask.',
  'figure-wrong':
    'The picture of {what} (N = {n}) has {pictured} cells; your buildMask({n}, {spec}) has {built} nonzeros and differs at row {i}, key {j} (pictured {p}, built {b}). Fix buildMask: the pictures were drawn from the reference masks.',
  'figure-ok': 'the README’s pictures ({what}) are exactly your buildMask’s masks',
  'not-causal-window':
    'Your output equals causal attention WITHOUT the window: query i may see only keys i − w + 1 … i.',
  'window-wide': 'Your output equals a window of w + 1 keys: query i sees i − w + 1 … i, w keys, itself included.',
  'nan-row':
    'Row {row} is NaN: 0/0, or e^{−∞ − (−∞)}. Every row sees at least its own key, so l > 0 if the loop visits it.',
  zeros: 'Every output is 0: the band loop (or the graph) is still the starter.',
  'output-ok': 'matches the float64 reference (causal, window w) for {cases}',
  'gpu-reads': GPU_READS,
  'gpu-reads-all': `${GPU_READS} That is what a loop over every causal key reads: {full}. Masking the keys outside the band (continue, or −∞) gives the right output but still loads them: start the tile loop at the block's first visible key, max(0, r0 − w + 1).`,
  'no-dispatch': 'N = {n}, w = {w}: attention ran no WebGPU dispatch; on WebGPU it must run banded.wgsl.',
  'not-counted':
    'N = {n}, w = {w}: the harness could not count the reads of q, k and v in your shader (it counts them in a copy of banded.wgsl in which every q[…], k[…] and v[…] adds to a counter of its own): keep the names q, k and v for the storage bindings only.',
  'gpu-reads-ok': 'the harness counted exactly the band’s reads of Q, K and V, O(N·w·d), for {cases}',
  'wasm-reads': WASM_READS,
  'wasm-reads-all': `${WASM_READS} A K block longer than {span} rows holds keys that no query of the block sees: scores for them are computed and masked, not skipped. Send only the keys r0 − w + 1 … r0 + {last}.`,
  'wasm-reads-ok':
    'the floats sent to and from onnxruntime equal the band loop’s ⌈N/{qb}⌉·(2·{qb}·d + 2·({qb} + w − 1)·d + 1), O(N·w·d), for {cases}',
  'memory-ok': MEMORY,
  'square-buffer': `${MEMORY}. The largest allocation, {what}, holds N×N floats or more: the band needs no N×N anything.`,
  'faster-than-n': `${MEMORY}: faster than N. Which allocation grows with N²?`,
  'ring-ok':
    'decode matches the reference for {cases}, with a cache of {bytes} (2·w·d floats) at N = {n1} and at N = {n2}',
  'ring-grows':
    'decode allocated {b1} at N = {n1} and {b2} at N = {n2} (w = {w}): the cache grows with N. Keep w slots and reuse them: token t overwrites the slot of token t − w.',
  'ring-big':
    'decode allocated {b1} at N = {n1} (w = {w}, d = {d}): more than the 2·w·d floats ({want}) of a K and a V cache of w rows.',
  'ring-none':
    'decode allocated nothing through the lab: make the K and V caches with tensors.zeros, so the check can see how big they are.'
});

const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };
const fmtInt = (x: number) => x.toLocaleString('en-US');
const specText = (s: MaskSpec) =>
  `{${[`window: ${s.window}`, s.dilation ? `dilation: ${s.dilation}` : '', s.globals ? `globals: ${s.globals}` : '']
    .filter(Boolean)
    .join(', ')}}`;

/** The learner's mask as 0/1 numbers, checked for type and length. */
function mask(ctx: LessonContext, n: number, spec: MaskSpec): ArrayLike<number> {
  const f = learner<BuildMask>(ctx, 'buildMask', 'buildMask(n, { window, dilation?, globals? }): Uint8Array');
  const got = f(n, spec);
  const ok =
    (got instanceof Uint8Array || Array.isArray(got)) &&
    got.length === n * n &&
    Array.from(got as ArrayLike<unknown>).every((x) => x === 0 || x === 1 || x === true || x === false);
  if (!ok) {
    const text = got instanceof Uint8Array || Array.isArray(got) ? `${got.length} values` : String(got).slice(0, 60);
    fail(m('mask-type', { n, spec: specText(spec), size: n * n, got: text }));
  }
  return Array.from(got as ArrayLike<number | boolean>, Number);
}

const nonzeros = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0);
const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).findIndex((x, i) => x !== b[i]);

const MASK_CASES: { n: number; spec: MaskSpec }[] = [
  { n: 32, spec: { window: 8 } },
  { n: 32, spec: { window: 8, dilation: 2 } },
  { n: 32, spec: { window: 8, globals: 2 } },
  { n: 10, spec: { window: 1 } },
  { n: 5, spec: { window: 9 } },
  { n: 40, spec: { window: 5, dilation: 3, globals: 4 } }
];

/** The README's pictures: every <svg data-mask-…> with its spec and the cells its path fills. */
function pictures(text: string) {
  const out: { what: string; n: number; spec: MaskSpec; cells: Uint8Array }[] = [];
  for (const svg of text.match(/<svg[^>]*data-mask-n[\s\S]*?<\/svg>/g) ?? []) {
    const attr = (name: string) => Number(new RegExp(`data-mask-${name}="(\\d+)"`).exec(svg)?.[1] ?? 0);
    const n = attr('n');
    const spec = { window: attr('window'), dilation: attr('dilation') || 1, globals: attr('globals') };
    const cells = new Uint8Array(n * n);
    const d = /<path[^>]*\sd="([^"]*)"/.exec(svg)?.[1] ?? '';
    // Each run of cells is drawn as "M{j} {i}h{len}v1h-{len}z".
    for (const run of d.matchAll(/M(\d+) (\d+)h(\d+)/g)) {
      const [j, i, len] = [Number(run[1]), Number(run[2]), Number(run[3])];
      for (let x = j; x < j + len; x++) cells[i * n + x] = 1;
    }
    const what = /aria-label="([^"]*)"/.exec(svg)?.[1] ?? specText(spec);
    out.push({ what, n, spec, cells });
  }
  return out;
}

const OUTPUT_CASES = cases(
  [
    { n: 1, w: 4, d: 64 },
    { n: 7, w: 3, d: 16 },
    { n: 45, w: 8, d: 8 },
    { n: 50, w: 1, d: 16 },
    { n: 20, w: 64, d: 16 },
    { n: 100, w: 100, d: 32 },
    { n: 130, w: 40, d: 64 },
    { n: 300, w: 17, d: 64 }
  ],
  { block: 64, make: (n) => ({ n, w: 16, d: 64 }) }
);
const listCases = (list: readonly { n: number; w: number }[]) => list.map((c) => `(${c.n}, ${c.w})`).join(', ');

async function attention(ctx: LessonContext, q: Tensor, k: Tensor, v: Tensor, w: number): Promise<Tensor> {
  const f = learner<Attention>(ctx, 'attention', 'attention(q, k, v, w): Promise<Tensor>');
  return expectTensor(await f(q, k, v, w), q.shape, 'attention(q, k, v, w)');
}

const inputs = (lab: Lab, n: number, d: number, seed: number) => seeded(lab, { q: [n, d], k: [n, d], v: [n, d] }, seed);

function outputHint(lab: Lab, o: Tensor, q: Tensor, k: Tensor, v: Tensor, w: number, first: number): Message | null {
  const d = q.shape[1];
  if (o.data.every((x) => x === 0)) return m('zeros');
  if (Number.isNaN(o.data[first])) return m('nan-row', { row: Math.floor(first / d) });
  if (matches(lab, o, causalReference(q, k, v), TOLERANCE)) return m('not-causal-window');
  if (matches(lab, o, reference(q, k, v, w + 1), TOLERANCE)) return m('window-wide');
  return null;
}

/** "q: 2,080, k: …" reads per binding (a renamed binding shows here). */
function readsByBinding(record: ProbeRecord): string {
  const total = new Map<string, number>();
  for (const x of record.dispatches) {
    for (const [name, count] of Object.entries(x.reads ?? {})) total.set(name, (total.get(name) ?? 0) + count);
  }
  return [...total].map(([name, count]) => `${name}: ${fmtInt(count)} vec4s`).join(', ') || 'no reads';
}

const READ_CASES = [
  { n: 1, w: 8, d: 64 },
  { n: 45, w: 8, d: 8 },
  { n: 130, w: 40, d: 64 },
  { n: 300, w: 17, d: 16 },
  { n: 600, w: 64, d: 16 }
];

async function gpuReads(ctx: LessonContext): Promise<Message> {
  for (const [c, { n, w, d }] of READ_CASES.entries()) {
    const { q, k, v } = inputs(ctx.lab, n, d, 70 + c);
    const { record } = await ctx.probe(() => attention(ctx, q, k, v, w));
    if (record.dispatches.length === 0) fail(m('no-dispatch', { n, w }));
    const r = ['q', 'k', 'v'].map((name) => reads(record, name));
    if (r.some((x) => x === null)) fail(m('not-counted', { n, w }));
    const counted = 4 * r.reduce<number>((a, x) => a + (x ?? 0), 0); // one read is a vec4
    const want = bandedReads(n, d, w);
    if (counted === want) continue;
    const params = { n, w, d, br: BR, counted: fmtInt(counted), want: fmtInt(want), counts: readsByBinding(record) };
    if (counted >= causalReads(n, d) && want < causalReads(n, d)) {
      fail(m('gpu-reads-all', { ...params, full: fmtInt(causalReads(n, d)) }));
    }
    fail(m('gpu-reads', params));
  }
  return m('gpu-reads-ok', { cases: listCases(READ_CASES) });
}

async function wasmReads(ctx: LessonContext): Promise<Message> {
  const qb = 64;
  for (const [c, { n, w, d }] of READ_CASES.entries()) {
    const { q, k, v } = inputs(ctx.lab, n, d, 70 + c);
    const { record } = await ctx.probe(() => attention(ctx, q, k, v, w));
    const counted = transferred(record);
    const want = bandedTransfers(n, d, w, qb);
    if (counted === want) continue;
    const kShapes = record.graphs.flatMap((g) => g.inputs.filter((x) => x.name === 'k').map((x) => x.shape));
    const kShape = kShapes.reduce<number[]>((a, s) => ((s[0] ?? 0) > (a[0] ?? 0) ? s : a), []);
    const params = {
      n,
      w,
      d,
      qb,
      counted: fmtInt(counted),
      want: fmtInt(want),
      calls: record.graphs.length,
      kShape: kShape.join(', ')
    };
    if ((kShape[0] ?? 0) > qb + w - 1) fail(m('wasm-reads-all', { ...params, span: qb + w - 1, last: qb - 1 }));
    fail(m('wasm-reads', params));
  }
  return m('wasm-reads-ok', { qb, cases: listCases(READ_CASES) });
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'mask',
      title: '1. buildMask: sliding window, dilated window, global tokens',
      run(ctx) {
        for (const { n, spec } of MASK_CASES) {
          const got = mask(ctx, n, spec);
          const want = maskRef(n, spec);
          const at = firstDiff(got, want);
          if (at < 0) continue;
          const [i, j] = [Math.floor(at / n), at % n];
          if (firstDiff(got, maskRef(n, { ...spec, window: spec.window + 1 })) < 0) {
            fail(m('mask-wide', { n, spec: specText(spec) }));
          }
          const future = Array.from(got).findIndex((x, e) => x === 1 && e % n > Math.floor(e / n));
          if (future >= 0)
            fail(m('mask-future', { n, spec: specText(spec), i: Math.floor(future / n), j: future % n }));
          fail(m('mask-wrong', { n, spec: specText(spec), i, j, got: got[at], want: want[at] }));
        }
        return m('mask-ok', { cases: MASK_CASES.map((c) => `N = ${c.n} ${specText(c.spec)}`).join(', ') });
      }
    }),
    check({
      id: 'closed-form',
      title: '1. swaNonzeros(N, w) in closed form equals the nonzeros of your mask',
      run(ctx) {
        const f = learner<(n: number, w: number) => number>(ctx, 'swaNonzeros', 'swaNonzeros(n, w): number');
        const list: [number, number][] = [
          [32, 8],
          [100, 1],
          [257, 16],
          [600, 128],
          [64, 64],
          [7, 20]
        ];
        for (const [n, w] of list) {
          const count = nonzeros(mask(ctx, n, { window: w }));
          if (count !== swaCount(n, w)) fail(m('count-mask-first', { n, w, got: count, want: swaCount(n, w) }));
          const got = f(n, w);
          if (got === count) continue;
          const params = { n, w, got: String(got), count };
          if (w > n && got === w * n - (w * (w - 1)) / 2) fail(m('count-long-window', params));
          fail(m('count-wrong', params));
        }
        return m('count-ok', { cases: list.map(([n, w]) => `(${n}, ${w})`).join(', ') });
      }
    }),
    check({
      id: 'figure',
      title: '1. the README’s mask pictures are what your buildMask builds',
      run(ctx) {
        const list = pictures(readme);
        if (list.length !== 3) fail(m('figure-missing', { found: list.length }));
        for (const p of list) {
          const built = mask(ctx, p.n, p.spec);
          const at = firstDiff(p.cells, built);
          if (at < 0) continue;
          fail(
            m('figure-wrong', {
              what: p.what,
              n: p.n,
              spec: specText(p.spec),
              pictured: nonzeros(p.cells),
              built: nonzeros(built),
              i: Math.floor(at / p.n),
              j: at % p.n,
              p: p.cells[at],
              b: built[at]
            })
          );
        }
        return m('figure-ok', { what: list.map((p) => p.what).join('; ') });
      }
    }),
    check({
      id: 'output',
      title: '2. banded attention matches the float64 reference (causal, window w)',
      async run(ctx) {
        for (const [c, { n, w, d }] of OUTPUT_CASES.entries()) {
          const { q, k, v } = inputs(ctx.lab, n, d, 10 * c + 1);
          const o = await attention(ctx, q, k, v, w);
          expectClose(
            ctx.lab,
            o,
            reference(q, k, v, w),
            TOLERANCE,
            `N = ${n}, w = ${w}, d = ${d}`,
            'attention',
            (t, cmp) => outputHint(ctx.lab, t, q, k, v, w, cmp.firstMismatch)
          );
        }
        return m('output-ok', { cases: `(N, w) = ${listCases(OUTPUT_CASES)}` });
      }
    }),
    check({
      id: 'reads',
      title: '2. it skips what the band excludes: reads counted while it runs are O(N·w), exactly the band’s',
      run: (ctx) => (ctx.backend === 'webgpu' ? gpuReads(ctx) : wasmReads(ctx))
    }),
    check({
      id: 'memory',
      title: '2. no N×N allocation: the bytes a run allocates grow at most like N',
      async run(ctx) {
        const [n1, n2, w, d] = [256, 1024, 32, 64];
        const measure = async (n: number) => {
          const { q, k, v } = inputs(ctx.lab, n, d, 3);
          return (await ctx.probe(() => attention(ctx, q, k, v, w))).record;
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
        if (big && big.bytes >= 4 * n2 * n2) fail(m('square-buffer', { ...params, what: big.text }));
        if (exponent > 1.2) fail(m('faster-than-n', params));
        return m('memory-ok', params);
      }
    }),
    check({
      id: 'ring',
      title: '4. decode with a ring buffer of w slots: right output, a cache that does not grow with N',
      async run(ctx) {
        const f = learner<Decode>(ctx, 'decode', 'decode(q, k, v, w): Tensor');
        const list = [
          { n: 1, w: 4, d: 16 },
          { n: 40, w: 8, d: 16 },
          { n: 5, w: 8, d: 8 },
          { n: 70, w: 1, d: 8 },
          { n: 100, w: 33, d: 32 }
        ];
        for (const [c, { n, w, d }] of list.entries()) {
          const { q, k, v } = inputs(ctx.lab, n, d, 90 + c);
          const o = f(q, k, v, w);
          expectClose(
            ctx.lab,
            o,
            reference(q, k, v, w),
            TOLERANCE,
            `N = ${n}, w = ${w}, d = ${d}`,
            'decode',
            (t, cmp) => outputHint(ctx.lab, t, q, k, v, w, cmp.firstMismatch)
          );
        }
        const [n1, n2, w, d] = [64, 512, 16, 32];
        const bytes = async (n: number) => {
          const { q, k, v } = inputs(ctx.lab, n, d, 5);
          return totalBytes((await ctx.probe(() => f(q, k, v, w))).record);
        };
        const [b1, b2] = [await bytes(n1), await bytes(n2)];
        const want = ringBytes(w, d);
        const params = { n1, n2, w, d, b1: formatBytes(b1), b2: formatBytes(b2), want: formatBytes(want) };
        if (b2 === 0) fail(m('ring-none'));
        if (b2 > b1) fail(m('ring-grows', params));
        if (b1 > want) fail(m('ring-big', params));
        return m('ring-ok', { cases: listCases(list), bytes: formatBytes(b2), n1, n2 });
      }
    })
  ],
  sweep
};
