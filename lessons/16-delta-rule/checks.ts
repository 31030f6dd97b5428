/**
 * Lesson 16 checks: the learner's recurrent delta rule against the float64 registry (several
 * shapes, T = 1 and d_k ≠ d_v included), their chunkwise graph against the same recurrence (T = 1
 * and T not a multiple of the chunk included), and the overwrite test: with orthonormal keys and
 * β = 1, the delta rule must return the latest value written under a key, where linear attention
 * returns old + new. The sweep times the delta rule over N and plots recall accuracy against the
 * number of pairs.
 */
import type { Tensor } from 'lab';
import {
  cases,
  check,
  ensure,
  expectClose,
  expectTensor,
  largestAllocation,
  learner,
  matches,
  messages
} from '$lib/lessons/kit';
import { formatBytes } from '$lib/bench/format';
import { type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { inputs, orthonormal, stateCount } from './inputs';
import { CHUNK, D, memory } from './memory';
import { addingReference, deltaReference, linearReference, readBeforeWriteReference } from './reference';

type Delta = (q: Tensor, k: Tensor, v: Tensor, beta: Tensor) => Promise<Tensor>;
type Chunked = (q: Tensor, k: Tensor, v: Tensor, beta: Tensor, chunkSize: number) => Promise<Tensor>;
type RecallTask = { q: Tensor; k: Tensor; v: Tensor; beta: Tensor };
type MakeTask = (pairs: number, dk: number, beta: number, seed: number) => RecallTask;
type Accuracy = (o: Tensor, task: RecallTask) => number;

const m = messages('16-delta-rule', {
  adding:
    'Your output equals S_t = S_{t−1} + β_t k_t v_tᵀ: linear attention, which adds on top of what is stored. Subtract the recalled value first: δ = β_t (v_t − S_{t−1}ᵀ k_t).',
  'read-before-write': 'Your output equals o_t = S_{t−1}ᵀ q_t: read the state after the write, o_t = S_tᵀ q_t.',
  'later-chunk':
    "The first chunk (rows 0–{last}) is right and row {row}, in chunk {chunk}, is not: the chunks after the first start from a non-zero S. Correct U by what S already returns: U' = U − W S.",
  'first-chunk':
    'Row {row} is in the first chunk (rows 0–{last}), where S = 0: the error is in T, W or U, not in passing S between chunks. Check that T inverts the whole unit lower-triangular system (every power of L up to L^(C−1) accounted for) and that β scales the rows.',
  'no-graph':
    'deltaRuleChunked(…, {C}) ran no ONNX graph at T = {T}: that is the token-by-token recurrence handed in. The chunkwise form runs matmuls on chunks and passes one state from chunk to chunk.',
  'state-per-token':
    'deltaRuleChunked(…, {C}) computed {states} d_k×d_v states for the {chunks} chunks of T = {T}: keep one state per chunk, not one per token (that is the recurrence again, unrolled into the graph).',
  'n-by-n':
    'deltaRuleChunked(…, {C}) made {what} at T = {T}, more than any C×C, C×d or d×d block of the chunkwise form ({limit}): that grows with N×N, a triangular solve over the whole sequence. Solve chunk by chunk and pass S on.',
  structure: 'T = {T}, C = {C}: {states} states for {chunks} chunks, largest value {largest} (no N×N)',
  'overwrite-where': 'key 2 was overwritten, then read back at token {token}: expected its new value',
  'old-plus-new':
    'It returns old + new, exactly like linear attention: the write must first erase what S stores under k_t.',
  recurrent: 'matches for T = {cases}, d_k ≠ d_v included (max |Δ| = {worst}; tolerance 1e-4 + 1e-4·|expected|)',
  chunked: 'equals the recurrence for C = {chunks}, T not a multiple of C (max |Δ| = {worst})',
  overwrite:
    'your delta rule returns the new value (max |Δ| = {err}); linear attention returns old + new, off by {linear} from the new value'
});

// Long recurrences accumulate float32 rounding (SYLLABUS §3.12 and §5: 1e-4 for the linear family
// in float32, T ≤ 1024).
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
/** The overwrite test reads back one value exactly: |Δ| ≤ 1e-4 for every element. */
const READ_BACK = { atol: 1e-4, rtol: 0 };
const fmt = (x: number) => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toPrecision(3));

const deltaFn = (ctx: LessonContext) => learner<Delta>(ctx, 'deltaRule', 'deltaRule(q, k, v, beta): Promise<Tensor>');
const chunkedFn = (ctx: LessonContext) =>
  learner<Chunked>(ctx, 'deltaRuleChunked', 'deltaRuleChunked(q, k, v, beta, chunkSize): Promise<Tensor>');

/** Own cases (n = T); `cases` adds T = 1 and T not a multiple of the chunk when a list lacks them. */
const RECURRENT_CASES = cases(
  [
    { n: 1, dk: 4, dv: 4 },
    { n: 7, dk: 16, dv: 8 },
    { n: 100, dk: 32, dv: 48 },
    { n: 300, dk: 64, dv: 64 }
  ],
  { block: CHUNK, make: (n) => ({ n, dk: 8, dv: 8 }) }
);
const CHUNK_CASES = cases(
  [
    { n: 1, dk: 8, dv: 8, C: 4 },
    { n: 37, dk: 16, dv: 8, C: 8 },
    { n: 20, dk: 32, dv: 32, C: 1 },
    { n: 130, dk: 32, dv: 16, C: 32 },
    { n: 200, dk: 64, dv: 64, C: 64 }
  ],
  { block: 8, make: (n) => ({ n, dk: 8, dv: 8, C: 8 }) }
);

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'recurrent',
      title: 'The recurrent delta rule matches the float64 reference',
      async run(ctx) {
        const deltaRule = deltaFn(ctx);
        const { lab } = ctx;
        let worst = 0;
        for (const [i, { n: T, dk, dv }] of RECURRENT_CASES.entries()) {
          const { q, k, v, beta } = inputs(ctx, T, dk, dv, 100 + 10 * i);
          const want = deltaReference(q, k, v, beta);
          const o = await deltaRule(q, k, v, beta);
          const t = expectClose(lab, o, want, TOLERANCE, `T = ${T}, d_k = ${dk}, d_v = ${dv}`, 'deltaRule', (t) =>
            matches(lab, t, addingReference(q, k, v, beta), TOLERANCE)
              ? m('adding')
              : matches(lab, t, readBeforeWriteReference(q, k, v, beta), TOLERANCE)
                ? m('read-before-write')
                : null
          );
          worst = Math.max(worst, lab.tensors.compare(t, want).maxAbsError);
        }
        return m('recurrent', { cases: RECURRENT_CASES.map((c) => c.n).join(', '), worst: fmt(worst) });
      }
    }),
    check({
      id: 'chunked',
      title: 'The chunkwise (WY/UT) graph equals the recurrence',
      async run(ctx) {
        const chunked = chunkedFn(ctx);
        const { lab } = ctx;
        let worst = 0;
        for (const [i, { n: T, dk, dv, C }] of CHUNK_CASES.entries()) {
          const { q, k, v, beta } = inputs(ctx, T, dk, dv, 200 + 10 * i);
          const want = deltaReference(q, k, v, beta);
          const o = await chunked(q, k, v, beta, C);
          const where = `T = ${T}, C = ${C}, d_k = ${dk}, d_v = ${dv}`;
          const t = expectClose(lab, o, want, TOLERANCE, where, `deltaRuleChunked(…, ${C})`, (_, c) => {
            const row = Math.floor(c.firstMismatch / dv);
            return row >= C
              ? m('later-chunk', { last: C - 1, row, chunk: Math.floor(row / C) + 1 })
              : m('first-chunk', { last: Math.min(C, T) - 1, row });
          });
          worst = Math.max(worst, lab.tensors.compare(t, want).maxAbsError);
        }
        return m('chunked', { chunks: CHUNK_CASES.map((c) => c.C).join(', '), worst: fmt(worst) });
      }
    }),
    check({
      id: 'structure',
      title: 'The chunkwise form keeps one state per chunk and nothing N×N',
      async run(ctx) {
        const chunked = chunkedFn(ctx);
        // d_k ≠ d_v ≠ C, so that the d_k×d_v states are the only values of their shape.
        const { T, dk, dv, C } = { T: 200, dk: 16, dv: 8, C: 32 };
        const { q, k, v, beta } = inputs(ctx, T, dk, dv, 400);
        const { record } = await ctx.probe(() => chunked(q, k, v, beta, C));
        const chunks = Math.ceil(T / C);
        ensure(record.graphs.length > 0, () => m('no-graph', { C, T }));
        const states = stateCount(record, dk, dv);
        ensure(states <= chunks, () => m('state-per-token', { C, T, states, chunks }));
        const limit = 4 * Math.max(C, dk, dv) ** 2;
        const big = largestAllocation(record);
        ensure(!big || big.bytes <= limit, () =>
          m('n-by-n', { C, T, what: big?.text ?? '', limit: formatBytes(limit) })
        );
        return m('structure', { T, C, states, chunks, largest: big?.text ?? 'none' });
      }
    }),
    check({
      id: 'overwrite',
      title: 'After an overwrite, the delta rule returns the latest value (linear attention does not)',
      async run(ctx) {
        const deltaRule = deltaFn(ctx);
        const { tensors } = ctx.lab;
        // Six orthonormal keys in d_k = 16 written with β = 1; key 2 is then overwritten, and
        // token 7 asks for it (β = 0 and k = 0: a pure read). With orthonormal unit keys the
        // delta rule returns exactly the new value; linear attention returns old + new.
        const dk = 16;
        const pairs = 6;
        const keys = orthonormal(ctx, pairs, dk, 300);
        const values = tensors.randn([pairs + 1, dk], 301).data; // row 6: the new value of key 2
        const T = pairs + 2;
        const [q, k, v] = [0, 1, 2].map(() => new Float32Array(T * dk));
        const beta = new Float32Array(T);
        for (let w = 0; w <= pairs; w++) {
          const key = w < pairs ? w : 2;
          k.set(keys.subarray(key * dk, (key + 1) * dk), w * dk);
          v.set(values.subarray(w * dk, (w + 1) * dk), w * dk);
          beta[w] = 1;
        }
        q.set(keys.subarray(2 * dk, 3 * dk), (T - 1) * dk);
        const args = [q, k, v].map((x) => tensors.from([T, dk], x));
        const o = expectTensor(
          await deltaRule(args[0], args[1], args[2], tensors.from([T], beta)),
          [T, dk],
          'deltaRule'
        );
        const row = (data: ArrayLike<number>) => tensors.from([dk], Array.from(data).slice((T - 1) * dk, T * dk));
        const newValue = { shape: [dk], data: values.subarray(pairs * dk, (pairs + 1) * dk) };
        const oldPlusNew = { shape: [dk], data: newValue.data.map((x, i) => x + values[2 * dk + i]) };
        const got = row(o.data);
        const where = m('overwrite-where', { token: T - 1 }).text;
        expectClose(ctx.lab, got, newValue, READ_BACK, where, 'deltaRule', (t) =>
          matches(ctx.lab, t, oldPlusNew, READ_BACK) ? m('old-plus-new') : null
        );
        const linear = row(linearReference(args[0], args[1], args[2]).data);
        return m('overwrite', {
          err: fmt(tensors.compare(got, newValue, READ_BACK).maxAbsError),
          linear: fmt(tensors.compare(linear, newValue, READ_BACK).maxAbsError)
        });
      }
    })
  ],
  async sweep(ctx, n) {
    const deltaRule = deltaFn(ctx);
    const chunked = chunkedFn(ctx);
    const setup = (size: number) => inputs(ctx, size, D, D, 1);
    const bytes = (size: number) => bytesOf(memory, size);
    if (ctx.backend === 'webgpu') {
      await ctx.lab.sweep({
        label: 'recurrent: your WGSL kernel',
        n,
        setup,
        run: (x) => deltaRule(x.q, x.k, x.v, x.beta),
        bytes
      });
    } else {
      await ctx.lab.sweep({
        label: `chunkwise, C = ${CHUNK}: your ONNX graph`,
        n,
        setup,
        run: (x) => chunked(x.q, x.k, x.v, x.beta, CHUNK),
        bytes
      });
    }
    await recallPlot(ctx, deltaRule);
  }
};

/** Recall accuracy against the number of pairs at d_k = 32: linear attention vs the delta rule. */
async function recallPlot(ctx: LessonContext, deltaRule: Delta) {
  const makeTask = learner<MakeTask>(ctx, 'recallTask', 'recallTask(pairs, dk, beta, seed)');
  const accuracy = learner<Accuracy>(ctx, 'recallAccuracy', 'recallAccuracy(o, task): number');
  const dk = 32;
  const pairs = [2, 4, 8, 16, 24, 32, 48, 64, 96, 128];
  const seeds = [1, 2, 3, 4];
  const series = {
    linear: [] as [number, number][],
    delta1: [] as [number, number][],
    delta05: [] as [number, number][]
  };
  for (const p of pairs) {
    let [lin, d1, d05] = [0, 0, 0];
    for (const seed of seeds) {
      const full = makeTask(p, dk, 1, seed);
      const half = makeTask(p, dk, 0.5, seed);
      const linO = linearReference(full.q, full.k, full.v);
      lin += accuracy({ shape: [...linO.shape], data: Float32Array.from(linO.data) }, full);
      d1 += accuracy(await deltaRule(full.q, full.k, full.v, full.beta), full);
      d05 += accuracy(await deltaRule(half.q, half.k, half.v, half.beta), half);
    }
    series.linear.push([p, lin / seeds.length]);
    series.delta1.push([p, d1 / seeds.length]);
    series.delta05.push([p, d05 / seeds.length]);
  }
  ctx.lab.plot({
    id: 'recall',
    title: `Associative recall with overwrites, d_k = ${dk} (mean of ${seeds.length} seeds)`,
    x: { label: 'key→value pairs written', log: true },
    y: { label: 'fraction recalled (latest value)' },
    series: [
      { label: 'linear attention (float64 reference)', points: series.linear },
      { label: 'delta rule, β = 1 (your code)', points: series.delta1 },
      { label: 'delta rule, β = 0.5 (your code)', points: series.delta05 },
      {
        label: `pairs = d_k = ${dk}`,
        points: [
          [dk, 0],
          [dk, 1]
        ],
        dashed: true
      }
    ]
  });
}
