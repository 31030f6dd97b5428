/**
 * Lesson 10 checks. (a) visibleCompressed: which compressed blocks a query may see. (b)
 * selectBlocks on probability rows built to catch each known mistake (the initial or a local block
 * not forced, a selection block scored by p[b] instead of the compressed blocks that overlap it,
 * ties, too many or too few blocks), and on seeded rows at the paper's settings, against the
 * float64 rule in reference.ts. (c) windowKeys: the last w keys. (d) mix: the gates. (e) NSA
 * attention against the float64 reference (prefill and decode; overlapping compression; N not a
 * multiple of any block). (f) the same against a transcription of fla's naive_nsa semantics
 * (l = d = l', window 0), and the window branch alone. (g) the KV rows read, from the probes: one
 * decode step and a short prefill at the paper's settings must read exactly the compressed blocks
 * visible, the selected keys and the window (reference.ts rowsRead), and the same formula must give
 * the paper's 5,631 tokens at N = 64K. The sweep is in sweep.ts.
 */
import type { Tensor } from 'lab';
import {
  type Message,
  check,
  expectClose,
  expectNumber,
  expectTensor,
  fail,
  hinted,
  learner,
  matches,
  messages
} from '$lib/lessons/kit';
import type { LessonContext, LessonHarness } from '$lib/lessons/types';
import { countReads } from './reads';
import {
  type NsaConfig,
  PAPER,
  flaNaive,
  reference,
  rowsRead,
  selectBlocks as refSelect,
  totalRowsRead,
  visibleCompressed as refVisible
} from './reference';
import { nsaInputs, sweep } from './sweep';

type Nsa = (q: Tensor, k: Tensor, v: Tensor, g: Tensor, config: NsaConfig) => Promise<Tensor>;
type Select = (p: ArrayLike<number>, i: number, c: NsaConfig) => number[];
type Mix = (cmp: Float32Array, slc: Float32Array, swa: Float32Array, g: Float32Array, dv: number) => Float32Array;

/** The paper's count at N = 64K (syllabus §2.9): 4,095 compressed + 16·64 selected + 512 window. */
const PAPER_64K = 5631;

const SELECT = 'selectBlocks(p, i = {i}, l = {l}, d = {d}, l′ = {lp}, n = {n}) kept blocks [{got}]; expected [{want}].';
const READS = '{what} at N = {n} (paper’s settings): ';
const m = messages('10-nsa', {
  'visible-wrong':
    'visibleCompressed(i = {i}) with l = {l}, d = {d} returned {got}; expected {want}: block j covers keys jd … jd + l − 1, so it is visible when jd + l − 1 ≤ i (all its keys in the past).',
  'visible-ok': 'compressed block j visible once jd + l − 1 ≤ i ({count} positions, overlapping and not)',
  'select-type': 'selectBlocks must return an array of block indices, got {got}',
  'select-wrong': SELECT,
  'select-initial': `${SELECT} Block 0 is missing: NSA always selects the initial block, whatever its importance (the first tokens draw attention in every layer).`,
  'select-local': `${SELECT} Block {missing} is missing: the query’s own block ({cur}) and the one before it are always selected, the two local blocks.`,
  'select-future': `${SELECT} Block {future} comes after the query’s own block: its keys are in the future.`,
  'select-index': `${SELECT} That ranks selection block b by p[b], the probability of COMPRESSED block b. With l = d = l′ they are the same block, but here compressed block j starts at key jd: a selection block’s importance is the sum of p over the compressed blocks that share a key with it.`,
  'select-ties': `${SELECT} Importances tie: equal importance keeps the lower block.`,
  'select-count': `${SELECT} That is {count} blocks; keep min(n, i/l′ + 1): the three forced ones count toward n.`,
  'select-repeat': `${SELECT} A block is listed twice.`,
  'select-ok':
    'block 0, the own block and the one before always; the rest by the compressed probabilities of the overlapping compressed blocks, ties to the lower block ({count} rows, paper’s settings among them)',
  'window-wrong':
    'windowKeys(i = {i}, w = {w}) returned [{got}); expected [{want}): the last w keys up to i, the query’s own included.',
  'window-plus-one': `windowKeys(i = {i}, w = {w}) returned [{got}): that is a window of w + 1 keys; it holds w, the query’s own included.`,
  'window-ok': 'the window holds the last w keys, i − w + 1 … i (fewer at the start)',
  'mix-type': 'mix must return a Float32Array of T·dv values, got {got}',
  'mix-sum':
    'mix returned the plain sum of the three branches: the gates were not applied. Each branch is weighted by its row’s gate, g[r, 0]·cmp + g[r, 1]·slc + g[r, 2]·swa.',
  'mix-wrong': 'mix: row {row}, column {col}: got {got}, expected {want} (g[r, 0]·cmp + g[r, 1]·slc + g[r, 2]·swa).',
  'mix-ok': 'each branch weighted by its own gate, row by row',
  'gates-sum':
    'Your output is the three branches summed: the gates were not applied. Weight each branch by its row’s gate.',
  'window-off': 'Your output attends to a window of w + 1 keys: the window holds w, the query’s own included.',
  'output-ok': 'matches the float64 NSA reference for {cases}',
  'fla-ok':
    'matches fla’s naive_nsa semantics (l = d = l′ = {block}, n = {n}, window 0, N = {ncase}) and, with only the window gate on, its sliding-window branch (w = {w})',
  'no-dispatch': `${READS}nsa ran no WebGPU dispatch; on WebGPU it must run nsa.wgsl.`,
  'not-counted': `${READS}the harness could not count the reads of k, v and kvc in your shader: keep those names for the storage bindings only (no local variable or parameter with these names).`,
  reads: `${READS}the probe counted {compressed} compressed rows and {keys} key rows ({values} value rows); the last {s} of the sequence must read {wantCompressed} compressed rows (blocks with jd + l − 1 ≤ i) and {wantKeys} keys (the selected blocks up to i, {selected}, plus the window, {window}).`,
  'reads-all': `That is every key up to i in the selected branch: a branch that reads all the blocks and masks the unselected ones gives the right output at full attention’s cost. Read only the selected blocks.`,
  'reads-ok':
    'the probe counted exactly the rows the settings imply: {detail}. At N = 65,536 the same count gives {c64} compressed + {s64} selected + {w64} window = {t64} tokens per decode step (the paper’s 5,631), {ratio}× fewer than full attention’s 65,536',
  'formula-wrong': 'The read count at N = 65,536 with the paper’s settings came out {got}, not the paper’s {want}.'
});

const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };
const fmtInt = (x: number) => x.toLocaleString('en-US');
const cfgText = (c: NsaConfig) =>
  `l = ${c.cmpBlock}, d = ${c.stride}, l′ = ${c.selBlock}, n = ${c.topn}, w = ${c.window}`;
const nsaOf = (ctx: LessonContext) => learner<Nsa>(ctx, 'nsa', 'nsa(q, k, v, g, config): Promise<Tensor>');

// ---------------------------------------------------------------------------------------------
// (a) visible compressed blocks, (c) the window

const VISIBLE_CFGS: NsaConfig[] = [PAPER, { cmpBlock: 8, stride: 8, selBlock: 8, topn: 4, window: 8 }];

function checkVisible(ctx: LessonContext): Message {
  const f = learner<(i: number, c: NsaConfig) => number>(
    ctx,
    'visibleCompressed',
    'visibleCompressed(i, config): number'
  );
  let count = 0;
  for (const c of VISIBLE_CFGS) {
    for (const i of [0, 1, c.cmpBlock - 2, c.cmpBlock - 1, c.cmpBlock, 47, 63, 64, 100, 1000, 65535]) {
      const got = expectNumber(f(i, c), 'visibleCompressed(i, config)');
      const want = refVisible(i, c);
      if (got !== want) fail(m('visible-wrong', { i, l: c.cmpBlock, d: c.stride, got, want }));
      count++;
    }
  }
  return m('visible-ok', { count });
}

function checkWindow(ctx: LessonContext): Message {
  const f = learner<(i: number, w: number) => [number, number]>(ctx, 'windowKeys', 'windowKeys(i, w): [start, end]');
  for (const [i, w] of [
    [0, 4],
    [3, 4],
    [4, 4],
    [100, 512],
    [1000, 512],
    [9, 1]
  ]) {
    const got = f(i, w);
    const want = [Math.max(0, i - w + 1), i + 1];
    if (!Array.isArray(got) || got[0] !== want[0] || got[1] !== want[1]) {
      const params = { i, w, got: String(got), want: want.join(', ') };
      if (Array.isArray(got) && got[1] - got[0] === w + 1) fail(m('window-plus-one', params));
      fail(m('window-wrong', params));
    }
  }
  return m('window-ok');
}

// ---------------------------------------------------------------------------------------------
// (b) selection

const SMALL: NsaConfig = { cmpBlock: 8, stride: 4, selBlock: 8, topn: 4, window: 8 };

/** A probability row of `length` with the given entries (the rest 0), normalised. */
function row(length: number, entries: Record<number, number>): number[] {
  const p = new Array(length).fill(0);
  for (const [j, x] of Object.entries(entries)) p[Number(j)] = x;
  const s = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / s);
}

/** Seeded probability rows at the paper's settings: a softmax of normal draws over the visible blocks. */
function paperRows(): { p: number[]; i: number; c: NsaConfig }[] {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 6;
  return [1300, 2100, 4095, 700].map((i) => {
    const e = Array.from({ length: refVisible(i, PAPER) }, () => Math.exp(rand()));
    const s = e.reduce((a, b) => a + b, 0);
    return { p: e.map((x) => x / s), i, c: PAPER };
  });
}

function selectCases(): { p: number[]; i: number; c: NsaConfig }[] {
  // SMALL: i = 47 sits in block 5 (forced 0, 4, 5); 11 compressed blocks are visible, block j
  // covers keys 4j … 4j + 7, so selection block b overlaps compressed blocks 2b − 1, 2b, 2b + 1.
  return [
    // p[3] alone is the largest (p[b] would pick block 3); block 2 overlaps 3 and 5: it wins.
    { p: row(11, { 3: 0.3, 5: 0.25, 8: 0.2, 0: 0.01 }), i: 47, c: SMALL },
    // Block 0 scores nothing; blocks 1–3 score high: block 0 is kept all the same.
    { p: row(11, { 2: 0.3, 4: 0.3, 6: 0.3, 10: 0.1 }), i: 47, c: SMALL },
    // Local blocks score nothing.
    { p: row(11, { 0: 0.5, 2: 0.3, 3: 0.2 }), i: 47, c: { ...SMALL, topn: 5 } },
    // Uniform probabilities: importances tie, the lower blocks win.
    { p: row(20, Object.fromEntries(Array.from({ length: 20 }, (_, j) => [j, 1]))), i: 87, c: SMALL },
    // More blocks asked for than exist; the first block; the second.
    { p: row(5, { 1: 1 }), i: 23, c: { ...SMALL, topn: 9 } },
    { p: [], i: 3, c: SMALL },
    { p: row(1, { 0: 1 }), i: 9, c: SMALL },
    ...paperRows()
  ];
}

function checkSelect(ctx: LessonContext): Message {
  const select = learner<Select>(ctx, 'selectBlocks', 'selectBlocks(p, i, config): number[]');
  const list = selectCases();
  for (const { p, i, c } of list) {
    const raw: unknown = select(Float64Array.from(p), i, c);
    if (!Array.isArray(raw) || raw.some((b) => typeof b !== 'number')) {
      fail(m('select-type', { got: (JSON.stringify(raw) ?? String(raw)).slice(0, 80) }));
    }
    const got = [...(raw as number[])].sort((a, b) => a - b);
    const want = refSelect(p, i, c);
    if (got.length === want.length && got.every((b, x) => b === want[x])) continue;
    const cur = Math.floor(i / c.selBlock);
    const params = {
      i,
      l: c.cmpBlock,
      d: c.stride,
      lp: c.selBlock,
      n: c.topn,
      got: got.join(', '),
      want: want.join(', '),
      cur
    };
    if (new Set(got).size !== got.length) fail(m('select-repeat', params));
    if (!got.includes(0)) fail(m('select-initial', params));
    const missing = [cur, cur - 1].find((b) => b >= 0 && !got.includes(b));
    if (missing !== undefined) fail(m('select-local', { ...params, missing }));
    const future = got.find((b) => b > cur);
    if (future !== undefined) fail(m('select-future', { ...params, future }));
    if (got.length !== want.length) fail(m('select-count', { ...params, count: got.length }));
    const byIndex = refSelect(p, i, c, 'index');
    if (got.every((b, x) => b === byIndex[x])) fail(m('select-index', params));
    if (p.length > 0 && new Set(p.filter((x) => x > 0)).size === 1) fail(m('select-ties', params));
    fail(m('select-wrong', params));
  }
  return m('select-ok', { count: list.length });
}

// ---------------------------------------------------------------------------------------------
// (d) gates

function checkMix(ctx: LessonContext): Message {
  const mix = learner<Mix>(ctx, 'mix', 'mix(cmp, slc, swa, g, dv): Float32Array');
  const [t, dv] = [5, 4];
  const ramp = (a: number) => Float32Array.from({ length: t * dv }, (_, x) => Math.sin(a * (x + 1)));
  const [cmp, slc, swa] = [ramp(1.3), ramp(0.7), ramp(2.1)];
  const g = Float32Array.from({ length: 3 * t }, (_, x) => 0.1 + ((x * 0.37) % 0.8));
  const got: unknown = mix(cmp, slc, swa, g, dv);
  if (!(got instanceof Float32Array) || got.length !== t * dv) {
    fail(m('mix-type', { got: got instanceof Float32Array ? `${got.length} values` : typeof got }));
  }
  const out = got as Float32Array;
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 + 1e-4 * Math.abs(b);
  if (out.every((x, e) => close(x, cmp[e] + slc[e] + swa[e]))) fail(m('mix-sum'));
  for (let e = 0; e < out.length; e++) {
    const r = Math.floor(e / dv);
    const want = g[3 * r] * cmp[e] + g[3 * r + 1] * slc[e] + g[3 * r + 2] * swa[e];
    if (!close(out[e], want)) fail(m('mix-wrong', { row: r, col: e % dv, got: out[e], want: want.toFixed(6) }));
  }
  return m('mix-ok');
}

// ---------------------------------------------------------------------------------------------
// (e), (f) outputs

interface Case {
  n: number;
  /** Query rows: the last t positions (t = n: prefill; 1: a decode step). */
  t: number;
  d: number;
  dv: number;
  c: NsaConfig;
}

const OUTPUT_CASES: Case[] = [
  { n: 100, t: 100, d: 8, dv: 8, c: SMALL },
  { n: 150, t: 150, d: 8, dv: 4, c: { cmpBlock: 8, stride: 4, selBlock: 16, topn: 4, window: 12 } },
  { n: 5, t: 5, d: 4, dv: 4, c: SMALL },
  { n: 300, t: 1, d: 8, dv: 8, c: { cmpBlock: 16, stride: 8, selBlock: 32, topn: 5, window: 40 } },
  { n: 700, t: 3, d: 16, dv: 16, c: PAPER },
  { n: 333, t: 60, d: 4, dv: 8, c: { cmpBlock: 12, stride: 6, selBlock: 12, topn: 6, window: 30 } }
];
const describe = (x: Case) =>
  `N = ${x.n}, ${x.t === x.n ? 'prefill' : `last ${x.t} ${x.t === 1 ? 'query' : 'queries'}`}, d = ${x.d}, dv = ${x.dv}, ${cfgText(x.c)}`;

function inputsOf(ctx: LessonContext, x: Case, seed: number) {
  const a = nsaInputs(ctx.lab, x.n, x.t, x.d, seed);
  if (x.dv === x.d) return a;
  const b = nsaInputs(ctx.lab, x.n, x.t, x.dv, seed + 100);
  return { ...a, v: b.v };
}

function diagnose(ctx: LessonContext, o: Tensor, x: Case, t: ReturnType<typeof inputsOf>): Message | null {
  if (matches(ctx.lab, o, reference(t.q, t.k, t.v, t.g, x.c, { gates: [1, 1, 1] }), TOLERANCE)) return m('gates-sum');
  if (matches(ctx.lab, o, reference(t.q, t.k, t.v, t.g, x.c, { window: x.c.window + 1 }), TOLERANCE)) {
    return m('window-off');
  }
  return null;
}

async function checkOutput(ctx: LessonContext): Promise<Message> {
  const nsa = nsaOf(ctx);
  for (const [s, x] of OUTPUT_CASES.entries()) {
    const t = inputsOf(ctx, x, 10 * s + 1);
    const o = expectTensor(await nsa(t.q, t.k, t.v, t.g, x.c), [x.t, x.dv], 'nsa(q, k, v, g, config)');
    expectClose(ctx.lab, o, reference(t.q, t.k, t.v, t.g, x.c), TOLERANCE, describe(x), 'nsa', (out) =>
      diagnose(ctx, out, x, t)
    );
  }
  return m('output-ok', { cases: OUTPUT_CASES.map(describe).join('; ') });
}

async function checkFla(ctx: LessonContext): Promise<Message> {
  const nsa = nsaOf(ctx);
  const [n, block, topn, w] = [96, 8, 4, 10];
  const t = nsaInputs(ctx.lab, n, n, 8, 77);
  // fla's setting: l = d = l′, window 0 (its window branch off).
  const c: NsaConfig = { cmpBlock: block, stride: block, selBlock: block, topn, window: 0 };
  const what = `fla naive_nsa, N = ${n}, l = d = l′ = ${block}, n = ${topn}, window 0`;
  expectClose(
    ctx.lab,
    await nsa(t.q, t.k, t.v, t.g, c),
    flaNaive(t.q, t.k, t.v, t.g, block, topn, 0),
    TOLERANCE,
    what,
    'nsa'
  );
  // The window branch alone: gates (0, 0, 1).
  const g1 = { shape: t.g.shape, data: Float32Array.from({ length: 3 * n }, (_, e) => (e % 3 === 2 ? 1 : 0)) };
  const got = await nsa(t.q, t.k, t.v, ctx.lab.tensors.from([n, 3], g1.data), { ...c, window: w });
  expectClose(
    ctx.lab,
    got,
    flaNaive(t.q, t.k, t.v, g1, block, topn, w),
    TOLERANCE,
    `fla sliding window, w = ${w}`,
    'nsa'
  );
  return m('fla-ok', { block, n: topn, ncase: n, w });
}

// ---------------------------------------------------------------------------------------------
// (g) reads, from the probes

/** Decode steps on both backends; on WebGPU also the last queries of a sequence (WASM pads those). */
const READ_CASES = [
  { n: 1024, t: 1, what: 'one decode step' },
  { n: 2500, t: 1, what: 'one decode step' },
  { n: 640, t: 5, what: 'the last 5 queries', gpuOnly: true }
];

async function checkReads(ctx: LessonContext): Promise<Message> {
  const nsa = nsaOf(ctx);
  const d = 8;
  const details: string[] = [];
  for (const [s, x] of READ_CASES.entries()) {
    if (x.gpuOnly && ctx.backend !== 'webgpu') continue;
    const t = nsaInputs(ctx.lab, x.n, x.t, d, 40 + s);
    const { record } = await ctx.probe(() => nsa(t.q, t.k, t.v, t.g, PAPER));
    const base = { n: fmtInt(x.n), what: x.what };
    if (ctx.backend === 'webgpu' && record.dispatches.length === 0) fail(m('no-dispatch', base));
    const got = countReads(ctx, record, d, d);
    if (got === null) fail(m('not-counted', base));
    const want = totalRowsRead(x.n, x.t, PAPER);
    const wantKeys = want.selected + want.window;
    const params = {
      ...base,
      compressed: fmtInt(got.compressed),
      keys: fmtInt(got.keys),
      values: fmtInt(got.values),
      s: x.t === 1 ? 'query' : `${x.t} queries`,
      wantCompressed: fmtInt(want.compressed),
      wantKeys: fmtInt(wantKeys),
      selected: fmtInt(want.selected),
      window: fmtInt(want.window)
    };
    if (got.compressed !== want.compressed || got.keys !== wantKeys || got.values !== wantKeys) {
      const msg = m('reads', params);
      let all = 0;
      for (let i = x.n - x.t; i < x.n; i++) all += i + 1 + rowsRead(i, PAPER).window;
      if (got.keys >= all) fail(hinted(msg, m('reads-all')));
      fail(msg);
    }
    details.push(`${x.what} at N = ${fmtInt(x.n)}: ${fmtInt(want.compressed)} compressed + ${fmtInt(wantKeys)} keys`);
  }
  const at = rowsRead(65535, PAPER);
  if (at.total !== PAPER_64K) fail(m('formula-wrong', { got: at.total, want: PAPER_64K }));
  return m('reads-ok', {
    detail: details.join('; '),
    c64: fmtInt(at.compressed),
    s64: fmtInt(at.selected),
    w64: at.window,
    t64: fmtInt(at.total),
    ratio: (65536 / at.total).toFixed(1)
  });
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'visible',
      title: '(a) visibleCompressed: blocks whose l keys are all in the past',
      run: checkVisible
    }),
    check({
      id: 'select',
      title: '(b) selectBlocks: the initial and local blocks, then the most important',
      run: checkSelect
    }),
    check({ id: 'window', title: '(c) windowKeys: the last w keys', run: checkWindow }),
    check({ id: 'mix', title: '(d) mix: each branch weighted by its gate', run: checkMix }),
    check({ id: 'output', title: '(e) NSA attention matches the float64 reference', run: checkOutput }),
    check({
      id: 'fla',
      title: '(f) NSA matches fla’s naive_nsa semantics (window 0) and its window branch',
      run: checkFla
    }),
    check({
      id: 'reads',
      title: '(g) KV rows read per query: compressed + selected + window (5,631 at 64K), counted by the probe',
      run: checkReads
    })
  ],
  sweep
};
