/**
 * Lesson 16 checks: the learner's recurrent delta rule against the float64 registry (several
 * shapes, T = 1 and d_k ≠ d_v included), their chunkwise graph against the same recurrence (T = 1
 * and T not a multiple of the chunk included), and the overwrite test: with orthonormal keys and
 * β = 1, the delta rule must return the latest value written under a key, where linear attention
 * returns old + new. The sweep times the delta rule over N and plots recall accuracy against the
 * number of pairs.
 */
import type { Tensor } from 'lab';
import { uniform } from '$lib/kernels';
import { cases, check, expectClose, expectTensor, learner, matches, messages } from '$lib/lessons/kit';
import { type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
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

/** Inputs as DeltaNet uses them: unit-norm keys (L2-normalised), β ∈ (0.05, 0.95). */
function inputs(ctx: LessonContext, T: number, dk: number, dv: number, seed: number) {
  const { tensors } = ctx.lab;
  const k = tensors.randn([T, dk], seed + 1);
  for (let t = 0; t < T; t++) {
    const row = k.data.subarray(t * dk, (t + 1) * dk);
    const norm = Math.hypot(...row);
    for (let i = 0; i < dk; i++) row[i] /= norm;
  }
  return {
    q: tensors.randn([T, dk], seed),
    k,
    v: tensors.randn([T, dv], seed + 2),
    beta: tensors.from([T], uniform([T], seed + 3, 0.05, 0.95).data)
  };
}

/** Orthonormal rows (Gram–Schmidt on random vectors, in float64). */
function orthonormal(ctx: LessonContext, rows: number, d: number, seed: number): Float64Array {
  const x = Float64Array.from(ctx.lab.tensors.randn([rows, d], seed).data);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < r; p++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += x[r * d + c] * x[p * d + c];
      for (let c = 0; c < d; c++) x[r * d + c] -= dot * x[p * d + c];
    }
    let norm = 0;
    for (let c = 0; c < d; c++) norm += x[r * d + c] ** 2;
    for (let c = 0; c < d; c++) x[r * d + c] /= Math.sqrt(norm);
  }
  return x;
}

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
            return row >= C ? m('later-chunk', { last: C - 1, row, chunk: Math.floor(row / C) + 1 }) : null;
          });
          worst = Math.max(worst, lab.tensors.compare(t, want).maxAbsError);
        }
        return m('chunked', { chunks: CHUNK_CASES.map((c) => c.C).join(', '), worst: fmt(worst) });
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
