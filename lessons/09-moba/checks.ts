/**
 * Lesson 09 checks: (a) the mean-pooled block keys against the float64 pooling; (b) the gate's
 * choice for one query on score rows built to catch each known mistake (the current block not
 * forced, a later block kept, ties to the higher block, too many or too few blocks); (c) MoBA
 * attention against the registry's float64 `moba_attention` (N = 1, N not a multiple of B,
 * dv ≠ d, top-1, top-k larger than the blocks there are, key blocks repeated so that gate scores
 * tie), and against fixtures recorded from MoonshotAI/MoBA's moba_attn_varlen_naive; (d) the reads
 * of one call, from the probes: on WebGPU the read counts of q, k, v and pooled that an
 * instrumented copy of moba.wgsl records, exactly Σ_i (min(k − 1, c_i)·B + i − c_i·B + 1) keys
 * and Σ_i c_i pooled keys (c_i = ⌊i/B⌋), about k·B + N/B per query; on WASM the key and value
 * rows sent to onnxruntime (each query's gathered blocks) and the gate scores read back;
 * (e) the sparsity formula at the tech report's setting. The sweep is in sweep.ts.
 */
import type { Tensor } from 'lab';
import {
  type Message,
  cases,
  check,
  expectClose,
  expectNumber,
  expectTensor,
  fail,
  learner,
  matches,
  messages,
  reads,
  seeded
} from '$lib/lessons/kit';
import type { Lab, LessonContext, LessonHarness, ProbeRecord } from '$lib/lessons/types';
import fixtures from './fixtures.json';
import {
  type Gate,
  allKeysRead,
  fullAttention,
  gatheredAllRows,
  gatheredKeyRows,
  pooled,
  reference,
  sparsityOf,
  totalKeysRead,
  totalPooledRead
} from './reference';
import { sweep } from './sweep';

type Moba = (q: Tensor, k: Tensor, v: Tensor, options: Gate) => Promise<Tensor>;
type PoolKeys = (k: Tensor, blockSize: number) => Tensor;
type SelectBlocks = (scores: ArrayLike<number>, current: number, topk: number) => number[];
type Sparsity = (n: number, blockSize: number, topk: number) => number;
interface Case extends Gate {
  n: number;
  d: number;
  dv: number;
  /** Repeat key blocks so that several earlier blocks get exactly the same gate score. */
  ties?: boolean;
}

const GATE_WRONG = 'selectBlocks({scores}, current = {current}, topk = {topk}) kept blocks [{got}]; expected [{want}].';
const READS = 'N = {n}, B = {blockSize}, k = {topk}: ';
const m = messages('09-moba', {
  'pool-wrong': 'poolKeys(k, B = {blockSize}) for N = {n}: {detail}',
  'pool-sum':
    'poolKeys(k, B = {blockSize}) for N = {n}: {detail}. That is the SUM of each block’s keys: divide by the number of keys the block holds (the last block may hold fewer than B).',
  'pool-last':
    'poolKeys(k, B = {blockSize}) for N = {n}: {detail}. Only the last block is wrong: it holds N − (blocks − 1)·B = {size} keys, not B; average over those.',
  'pool-ok': 'the mean key of every block, the short last block included ({cases})',
  'gate-type': 'selectBlocks must return an array of block indices, got {got}',
  'gate-wrong': GATE_WRONG,
  'gate-current': `${GATE_WRONG} The current block {current} must always be kept, whatever its score: it holds the query’s nearest keys and the query itself, and it counts toward topk.`,
  'gate-future': `${GATE_WRONG} Block {future} comes after the query’s block: its keys are in the future. Only blocks before the current one compete.`,
  'gate-ties': `${GATE_WRONG} The scores tie: equal scores keep the lower block, as the reference does.`,
  'gate-count': `${GATE_WRONG} That is {count} blocks: topk = {topk} counts the current block, so keep min(topk − 1, current) earlier ones and the current one.`,
  'gate-repeat': `${GATE_WRONG} A block is listed twice.`,
  'gate-ok':
    'the current block always kept, the topk − 1 best earlier blocks, ties to the lower block, later blocks never',
  'full-attention':
    'Your output equals full causal attention: every earlier block was attended to. The gate must keep only the topk − 1 best earlier blocks and the current one.',
  'only-current':
    'Your output is attention over the current block alone: the topk − 1 best earlier blocks are missing.',
  'nan-row':
    'Row {row} is NaN: that query attended to no key at all (ℓ = 0). The current block must always be attended, keys cB … i, whatever the gate says; in block 0 it is the only one.',
  'ties-case':
    'Here key blocks 3, 5 and 7 repeat block 1, so their gate scores tie exactly (the cases before it, without ties, passed): on equal scores keep the lower block (a kept block gives way only to a strictly higher score).',
  'output-ok': 'matches the float64 moba_attention for {cases}',
  'fixture-ok':
    'matches {count} fixtures recorded from MoonshotAI/MoBA’s moba_attn_varlen_naive (N = {ns}; B and top-k as there)',
  'no-dispatch': `${READS}moba ran no WebGPU dispatch; on WebGPU it must run moba.wgsl.`,
  'not-counted': `${READS}the harness could not count the reads of q, k, v and pooled in your shader: keep those names for the storage bindings only (no local variable or parameter called q, k, v or pooled).`,
  'gpu-reads': `${READS}the harness counted {keys} key rows of k, {values} of v and {pooledRows} of pooled; reading only the kept blocks gives {want} key rows (Σ_i min(k − 1, c)·B + i − cB + 1, about k·B = {kb} per query) and {wantPooled} pooled rows (Σ_i c, c = ⌊i/B⌋ earlier blocks per query, up to N/B = {nb}).`,
  'gpu-reads-all': `{base} That is every key j ≤ i: a kernel that reads all the keys and masks the unselected ones costs full attention. Loop over the kept blocks only.`,
  'gpu-reads-ok':
    'reads follow k·B + N/B per query: exactly {want} key rows and {wantPooled} pooled rows at N = {n} ({perQuery} per query, against {full} for full attention), for {cases}',
  'wasm-reads': `${READS}{keys} key rows and {values} value rows went to onnxruntime; gathering each query’s kept blocks gives {want} (per block of queries: min(k − 1, c)·B + the current block’s keys, for each of its rows). Gate scores read back: {scores} (N·⌈N/B⌉ = {wantScores}).`,
  'wasm-reads-all': `{base} That is every block up to the current one: sending all the keys and masking the unselected ones costs full attention. Gather only the kept blocks.`,
  'wasm-reads-ok':
    'reads follow k·B + N/B per query: {want} key rows gathered at N = {n} ({perQuery} per query, against {full} for full attention) and N·⌈N/B⌉ gate scores, for {cases}',
  'sparsity-wrong':
    'sparsity({n}, {blockSize}, {topk}) returned {got}; each query reads about k·B = {kb} of the N keys, so the share never read is 1 − k·B/N = {want}.',
  'sparsity-ok':
    'sparsity(2^20, 4096, 12) = {percent} %: at N = 1,048,576 with 12 blocks of 4,096 a query reads 49,152 keys (the tech report’s 95.31 %)'
});

const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };
const fmtInt = (x: number) => x.toLocaleString('en-US');
const describeCase = (c: Case) =>
  `N = ${c.n}, d = ${c.d}, dv = ${c.dv}, B = ${c.blockSize}, top-${c.topk}${c.ties ? ' (repeated key blocks: gate scores tie)' : ''}`;

const OUTPUT_CASES: Case[] = cases(
  [
    { n: 37, d: 16, dv: 8, blockSize: 8, topk: 3 },
    { n: 100, d: 8, dv: 8, blockSize: 4, topk: 4 },
    { n: 50, d: 8, dv: 4, blockSize: 8, topk: 1 },
    { n: 20, d: 4, dv: 4, blockSize: 4, topk: 9 },
    { n: 96, d: 4, dv: 4, blockSize: 8, topk: 2, ties: true },
    { n: 130, d: 64, dv: 64, blockSize: 16, topk: 3 }
  ],
  { block: 8, make: (n) => ({ n, d: 8, dv: 8, blockSize: 8, topk: 2 }) }
);

/** Seeded q, k, v; with `ties`, key blocks 3, 5 and 7 repeat block 1, so their mean keys are equal. */
function inputs(lab: Lab, c: Case, seed: number) {
  const t = seeded(lab, { q: [c.n, c.d], k: [c.n, c.d], v: [c.n, c.dv] }, seed);
  if (c.ties) {
    const block = c.blockSize * c.d;
    for (const b of [3, 5, 7]) {
      if ((b + 1) * c.blockSize <= c.n) t.k.data.set(t.k.data.slice(block, 2 * block), b * block);
    }
  }
  return t;
}

const mobaOf = (ctx: LessonContext) =>
  learner<Moba>(ctx, 'moba', 'moba(q, k, v, { blockSize, topk }): Promise<Tensor>');

/** A known mistake that the output matches, or null. */
function diagnose(lab: Lab, o: Tensor, q: Tensor, k: Tensor, v: Tensor, c: Case, first: number): Message | null {
  const blocks = Math.ceil(c.n / c.blockSize);
  if (Number.isNaN(o.data[first])) return m('nan-row', { row: Math.floor(first / c.dv) });
  if (c.topk < blocks && matches(lab, o, fullAttention(q, k, v), TOLERANCE)) return m('full-attention');
  if (c.topk > 1 && c.n > c.blockSize && matches(lab, o, reference(q, k, v, { ...c, topk: 1 }), TOLERANCE)) {
    return m('only-current');
  }
  // The tie case comes after cases without ties: failing here alone points at the tie rule.
  if (c.ties) return m('ties-case');
  return null;
}

/** Score rows built so that each known mistake of the gate picks different blocks. */
const GATE_CASES: { scores: number[]; current: number; topk: number; want: number[] }[] = [
  // The current block (3) scores lowest; the later blocks 4 and 5 score highest.
  { scores: [5, 1, 3, -9, 100, 100], current: 3, topk: 3, want: [0, 2, 3] },
  // Blocks 1, 2 and 3 tie: the lower ones win.
  { scores: [2, 7, 7, 7, 0], current: 4, topk: 3, want: [1, 2, 4] },
  // More blocks asked for than there are before the current one: all of them.
  { scores: [0.5, 9, 9], current: 1, topk: 4, want: [0, 1] },
  // Top-1: the current block alone, even though earlier blocks score higher.
  { scores: [4, 3, 2, 1, 0, -1], current: 5, topk: 1, want: [5] },
  // Negative scores, and the very first block.
  { scores: [-3, -1, -2, -5, -4], current: 3, topk: 2, want: [1, 3] },
  { scores: [8, 9], current: 0, topk: 2, want: [0] }
];

function checkGateCase(select: SelectBlocks, { scores, current, topk, want }: (typeof GATE_CASES)[number]) {
  const raw: unknown = select(Float64Array.from(scores), current, topk);
  if (!Array.isArray(raw) || raw.some((b) => typeof b !== 'number')) {
    fail(m('gate-type', { got: (JSON.stringify(raw) ?? String(raw)).slice(0, 80) }));
  }
  const got = [...(raw as number[])].sort((a, b) => a - b);
  if (got.length === want.length && got.every((b, i) => b === want[i])) return;
  const params = { scores: `[${scores.join(', ')}]`, current, topk, got: got.join(', '), want: want.join(', ') };
  if (new Set(got).size !== got.length) fail(m('gate-repeat', params));
  if (!got.includes(current)) fail(m('gate-current', params));
  const future = got.find((b) => b > current);
  if (future !== undefined) fail(m('gate-future', { ...params, future }));
  if (got.length !== want.length) fail(m('gate-count', { ...params, count: got.length }));
  const tied = got.some((b) => !want.includes(b) && want.some((w) => w !== current && scores[w] === scores[b]));
  if (tied) fail(m('gate-ties', params));
  fail(m('gate-wrong', params));
}

/** Reads of each named binding in the record, in rows of `width` floats (vec4 elements). */
const rowsRead = (record: ProbeRecord, name: string, width: number) => {
  const x = reads(record, name);
  return x === null ? null : (4 * x) / width;
};

/** Elements of the graph inputs called `name`, over the record's graph runs. */
const inputElements = (record: ProbeRecord, name: string) =>
  record.graphs.reduce(
    (a, g) => a + g.inputs.filter((x) => x.name === name).reduce((b, x) => b + x.shape.reduce((s, y) => s * y, 1), 0),
    0
  );
const outputElements = (record: ProbeRecord, width: number) =>
  record.graphs.reduce(
    (a, g) =>
      a +
      g.outputs.filter((x) => x.shape.length === 2 && x.shape[1] === width).reduce((b, x) => b + x.shape[0] * width, 0),
    0
  );

const READ_CASES: Case[] = [
  { n: 1, d: 8, dv: 8, blockSize: 8, topk: 3 },
  { n: 300, d: 16, dv: 8, blockSize: 16, topk: 3 },
  { n: 512, d: 8, dv: 8, blockSize: 32, topk: 2 }
];

async function gpuReads(ctx: LessonContext): Promise<Message> {
  const moba = mobaOf(ctx);
  let last: Record<string, string | number> = {};
  for (const [i, c] of READ_CASES.entries()) {
    const { q, k, v } = inputs(ctx.lab, c, 70 + i);
    const { record } = await ctx.probe(() => moba(q, k, v, c));
    const base = { n: c.n, blockSize: c.blockSize, topk: c.topk };
    if (record.dispatches.length === 0) fail(m('no-dispatch', base));
    const [keys, values, pooledRows] = [
      rowsRead(record, 'k', c.d),
      rowsRead(record, 'v', c.dv),
      rowsRead(record, 'pooled', c.d)
    ];
    if (keys === null || values === null || pooledRows === null) fail(m('not-counted', base));
    const want = totalKeysRead(c.n, c);
    const wantPooled = totalPooledRead(c.n, c.blockSize);
    const params = {
      ...base,
      keys: fmtInt(keys),
      values: fmtInt(values),
      pooledRows: fmtInt(pooledRows),
      want: fmtInt(want),
      wantPooled: fmtInt(wantPooled),
      kb: c.topk * c.blockSize,
      nb: Math.ceil(c.n / c.blockSize)
    };
    if (keys !== want || values !== want || pooledRows !== wantPooled) {
      const msg = m('gpu-reads', params);
      if (keys === allKeysRead(c.n) || values === allKeysRead(c.n))
        fail(m('gpu-reads-all', { ...params, base: msg.text }));
      fail(msg);
    }
    last = { ...params, perQuery: (want / c.n).toFixed(1), full: ((c.n + 1) / 2).toFixed(1) };
  }
  return m('gpu-reads-ok', { ...last, cases: READ_CASES.map(describeCase).join('; ') });
}

async function wasmReads(ctx: LessonContext): Promise<Message> {
  const moba = mobaOf(ctx);
  let last: Record<string, string | number> = {};
  for (const [i, c] of READ_CASES.entries()) {
    const { q, k, v } = inputs(ctx.lab, c, 70 + i);
    const { record } = await ctx.probe(() => moba(q, k, v, c));
    const keys = inputElements(record, 'k') / c.d;
    const values = inputElements(record, 'v') / c.dv;
    const blocks = Math.ceil(c.n / c.blockSize);
    const scores = outputElements(record, blocks);
    const want = gatheredKeyRows(c.n, c);
    const params = {
      n: c.n,
      blockSize: c.blockSize,
      topk: c.topk,
      keys: fmtInt(keys),
      values: fmtInt(values),
      want: fmtInt(want),
      scores: fmtInt(scores),
      wantScores: fmtInt(c.n * blocks)
    };
    if (keys !== want || values !== want || scores < c.n * blocks) {
      const msg = m('wasm-reads', params);
      if (keys === gatheredAllRows(c.n, c.blockSize) && want !== keys) {
        fail(m('wasm-reads-all', { ...params, base: msg.text }));
      }
      fail(msg);
    }
    last = { ...params, perQuery: (want / c.n).toFixed(1), full: ((c.n + 1) / 2).toFixed(1) };
  }
  return m('wasm-reads-ok', { ...last, cases: READ_CASES.map(describeCase).join('; ') });
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'pool',
      title: '(a) poolKeys: the mean key of each block of B',
      run(ctx) {
        const pool = learner<PoolKeys>(ctx, 'poolKeys', 'poolKeys(k: Tensor, blockSize: number): Tensor');
        const list = [
          { n: 32, d: 8, blockSize: 8 },
          { n: 37, d: 16, blockSize: 8 },
          { n: 1, d: 4, blockSize: 4 },
          { n: 50, d: 4, blockSize: 64 }
        ];
        for (const [i, { n, d, blockSize }] of list.entries()) {
          const { k } = seeded(ctx.lab, { k: [n, d] }, 30 + i);
          const want = pooled(k, blockSize);
          const got = expectTensor(pool(k, blockSize), want.shape, 'poolKeys(k, blockSize)');
          const cmp = ctx.lab.tensors.compare(got, want, TOLERANCE);
          if (cmp.ok) continue;
          const blocks = want.shape[0];
          const size = n - (blocks - 1) * blockSize;
          const params = { n, blockSize, detail: cmp.message, size };
          const sums = want.data.map(
            (x, j) => x * Math.min(blockSize, Math.floor(j / d) === blocks - 1 ? size : blockSize)
          );
          if (matches(ctx.lab, got, { shape: want.shape, data: sums }, TOLERANCE)) fail(m('pool-sum', params));
          if (cmp.firstMismatch >= (blocks - 1) * d) fail(m('pool-last', params));
          fail(m('pool-wrong', params));
        }
        return m('pool-ok', { cases: list.map((c) => `N = ${c.n}, B = ${c.blockSize}`).join('; ') });
      }
    }),
    check({
      id: 'gate',
      title: '(b) selectBlocks: the current block, plus the topk − 1 best earlier blocks',
      run(ctx) {
        const select = learner<SelectBlocks>(ctx, 'selectBlocks', 'selectBlocks(scores, current, topk): number[]');
        for (const c of GATE_CASES) checkGateCase(select, c);
        return m('gate-ok');
      }
    }),
    check({
      id: 'output',
      title: '(c) MoBA attention matches the float64 moba_attention',
      async run(ctx) {
        const moba = mobaOf(ctx);
        for (const [i, c] of OUTPUT_CASES.entries()) {
          const { q, k, v } = inputs(ctx.lab, c, 10 * i + 1);
          expectClose(
            ctx.lab,
            await moba(q, k, v, c),
            reference(q, k, v, c),
            TOLERANCE,
            describeCase(c),
            'moba',
            (o, cmp) => diagnose(ctx.lab, o, q, k, v, c, cmp.firstMismatch)
          );
        }
        return m('output-ok', { cases: OUTPUT_CASES.map(describeCase).join('; ') });
      }
    }),
    check({
      id: 'fixtures',
      title: '(c) MoBA attention matches MoonshotAI/MoBA’s moba_attn_varlen_naive fixtures',
      async run(ctx) {
        const moba = mobaOf(ctx);
        for (const f of fixtures) {
          const c: Case = { n: f.n, d: f.d, dv: f.d, blockSize: f.blockSize, topk: f.topk };
          const t = (data: number[]) => ctx.lab.tensors.from([f.n, f.d], data);
          const [q, k, v] = [t(f.q), t(f.k), t(f.v)];
          const want = { shape: [f.n, f.d], data: f.o };
          expectClose(
            ctx.lab,
            await moba(q, k, v, c),
            want,
            TOLERANCE,
            `fixture ${describeCase(c)}`,
            'moba',
            (o, cmp) => diagnose(ctx.lab, o, q, k, v, c, cmp.firstMismatch)
          );
        }
        return m('fixture-ok', { count: fixtures.length, ns: fixtures.map((f) => f.n).join(', ') });
      }
    }),
    check({
      id: 'reads',
      title: '(d) the keys read follow k·B + N/B per query, not N',
      run: (ctx) => (ctx.backend === 'webgpu' ? gpuReads(ctx) : wasmReads(ctx))
    }),
    check({
      id: 'sparsity',
      title: '(e) sparsity(N, B, k) = 1 − k·B/N: 95.31 % at N = 1M, B = 4096, k = 12',
      run(ctx) {
        const f = learner<Sparsity>(ctx, 'sparsity', 'sparsity(n, blockSize, topk): number');
        for (const [n, blockSize, topk] of [
          [2 ** 20, 4096, 12],
          [8192, 64, 3],
          [65536, 512, 8],
          [4096, 4096, 1]
        ]) {
          const got = expectNumber(f(n, blockSize, topk), 'sparsity(n, blockSize, topk)');
          const want = sparsityOf(n, blockSize, topk);
          if (Math.abs(got - want) > 1e-12) {
            fail(m('sparsity-wrong', { n, blockSize, topk, got, want, kb: topk * blockSize }));
          }
        }
        return m('sparsity-ok', { percent: (100 * f(2 ** 20, 4096, 12)).toFixed(2) });
      }
    })
  ],
  sweep
};
