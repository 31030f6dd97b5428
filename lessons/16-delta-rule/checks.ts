/**
 * Lesson 16 checks: the learner's recurrent delta rule against the float64 registry (several
 * shapes, T = 1 and d_k ≠ d_v included), their chunkwise graph against the same recurrence (T = 1
 * and T not a multiple of the chunk included), and the overwrite test: with orthonormal keys and
 * β = 1, the delta rule must return the latest value written under a key, where linear attention
 * returns old + new. Gated DeltaNet (the delta rule under a forget gate) is checked against the
 * registry's gated_delta_rule, with hints for the gate in the wrong place, and by a forgetting test:
 * one gated overwrite replaces one key in full while every other key fades by α. The sweep times the delta rule over N and plots recall accuracy against the
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
import { uniform } from '$lib/kernels';
import { type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { inputs, orthonormal, stateCount } from './inputs';
import { CHUNK, D, memory } from './memory';
import {
  addingReference,
  deltaReference,
  gatedDeltaReference,
  linearReference,
  misplacedGateReference,
  readBeforeWriteReference
} from './reference';

type Delta = (q: Tensor, k: Tensor, v: Tensor, beta: Tensor) => Promise<Tensor>;
type Gated = (q: Tensor, k: Tensor, v: Tensor, beta: Tensor, g: Tensor) => Promise<Tensor>;
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
    'your delta rule returns the new value (max |Δ| = {err}); linear attention returns old + new, off by {linear} from the new value',
  'nothing-written': 'gatedDeltaRule returns 0 everywhere: nothing is ever written into S.',
  'gate-ignored':
    'Your output equals the delta rule WITHOUT its gate: multiply the state by α_t = e^{g_t} at every token, before the write.',
  'after-write':
    'Your output equals S_t = α_t (S_{t−1} + β_t k_t (v_t − S_{t−1}ᵀ k_t)ᵀ): the decay is applied after the write, so the new value fades too. Forget first, then write: S_t = α_t (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t v_tᵀ.',
  'erase-undecayed':
    'Your output equals S_t = α_t S_{t−1} + β_t k_t (v_t − S_{t−1}ᵀ k_t)ᵀ: the decay is forgotten on the erase term, which removes the unfaded value from a faded state. Recall from the faded state: δ = β_t (v_t − (α_t S_{t−1})ᵀ k_t).',
  gated: 'matches gated_delta_rule for T = {cases}, d_k ≠ d_v included, α_t ∈ (0.7, 1) (max |Δ| = {worst})',
  'forget-where': 'Gated overwrite of key 2 with α = {alpha}, read at token {token}: {what}',
  'forget-edited': 'key 2, just overwritten: expected its new value in full',
  'forget-faded': 'key 0, untouched: expected its value faded by α',
  forget:
    'one gated overwrite (α = {alpha}, β = 1): key 2 returns its new value (max |Δ| = {edited}) and key 0 returns α times its value (max |Δ| = {faded}); without the gate key 0 would still return all of it'
});

// Long recurrences accumulate float32 rounding (SYLLABUS §3.12 and §5: 1e-4 for the linear family
// in float32, T ≤ 1024).
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
/** The overwrite test reads back one value exactly: |Δ| ≤ 1e-4 for every element. */
const READ_BACK = { atol: 1e-4, rtol: 0 };
const fmt = (x: number) => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toPrecision(3));

const deltaFn = (ctx: LessonContext) => learner<Delta>(ctx, 'deltaRule', 'deltaRule(q, k, v, beta): Promise<Tensor>');
const gatedFn = (ctx: LessonContext) =>
  learner<Gated>(ctx, 'gatedDeltaRule', 'gatedDeltaRule(q, k, v, beta, g): Promise<Tensor>');
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

/** Forget gates α_t ∈ (0.7, 1), stored as log gates g_t = ln α_t. */
function gates(ctx: LessonContext, T: number, seed: number): Tensor {
  return ctx.lab.tensors.from(
    [T],
    Array.from(uniform([T], seed, 0.7, 1).data, (a) => Math.log(a))
  );
}

const gatedCheck = check({
  id: 'gated',
  title: 'Gated DeltaNet matches the float64 reference',
  async run(ctx) {
    const gated = gatedFn(ctx);
    const { lab } = ctx;
    let worst = 0;
    for (const [i, { n: T, dk, dv }] of RECURRENT_CASES.entries()) {
      const { q, k, v, beta } = inputs(ctx, T, dk, dv, 500 + 10 * i);
      const g = gates(ctx, T, 505 + 10 * i);
      const want = gatedDeltaReference(q, k, v, beta, g);
      const o = await gated(q, k, v, beta, g);
      const where = `T = ${T}, d_k = ${dk}, d_v = ${dv}`;
      const t = expectClose(lab, o, want, TOLERANCE, where, 'gatedDeltaRule', (t) => {
        if (t.data.every((x) => x === 0)) return m('nothing-written');
        if (matches(lab, t, deltaReference(q, k, v, beta), TOLERANCE)) return m('gate-ignored');
        if (matches(lab, t, misplacedGateReference(q, k, v, beta, g, 'after-write'), TOLERANCE))
          return m('after-write');
        if (matches(lab, t, misplacedGateReference(q, k, v, beta, g, 'erase-undecayed'), TOLERANCE)) {
          return m('erase-undecayed');
        }
        return null;
      });
      worst = Math.max(worst, lab.tensors.compare(t, want).maxAbsError);
    }
    return m('gated', { cases: RECURRENT_CASES.map((c) => c.n).join(', '), worst: fmt(worst) });
  }
});

/**
 * Six orthonormal keys written with β = 1 and no decay; token 6 overwrites key 2 under a gate
 * α = 0.5 and reads key 2 back; token 7 (k = 0, β = 0, no decay) reads key 0. Gated DeltaNet
 * returns key 2's new value in full and α times key 0's value.
 */
const forgetCheck = check({
  id: 'forget',
  title: 'The gate forgets everything a little; the delta rule replaces one key in full',
  async run(ctx) {
    const gated = gatedFn(ctx);
    const { tensors } = ctx.lab;
    const [dk, pairs, alpha] = [16, 6, 0.5];
    const keys = orthonormal(ctx, pairs, dk, 600);
    const values = tensors.randn([pairs + 1, dk], 601).data; // row 6: the new value of key 2
    const T = pairs + 2;
    const [q, k, v] = [0, 1, 2].map(() => new Float32Array(T * dk));
    const beta = new Float32Array(T);
    const g = new Float32Array(T);
    for (let w = 0; w <= pairs; w++) {
      const key = w < pairs ? w : 2;
      k.set(keys.subarray(key * dk, (key + 1) * dk), w * dk);
      v.set(values.subarray(w * dk, (w + 1) * dk), w * dk);
      beta[w] = 1;
    }
    g[pairs] = Math.log(alpha);
    q.set(keys.subarray(2 * dk, 3 * dk), pairs * dk);
    q.set(keys.subarray(0, dk), (pairs + 1) * dk);
    const args = [q, k, v].map((x) => tensors.from([T, dk], x));
    const o = expectTensor(
      await gated(args[0], args[1], args[2], tensors.from([T], beta), tensors.from([T], g)),
      [T, dk],
      'gatedDeltaRule'
    );
    const row = (r: number) => tensors.from([dk], Array.from(o.data).slice(r * dk, (r + 1) * dk));
    const edited = { shape: [dk], data: values.subarray(pairs * dk, (pairs + 1) * dk) };
    const faded = { shape: [dk], data: values.subarray(0, dk).map((x) => alpha * x) };
    // What the misplaced gates return for key 2 right after its overwrite (old value v2, new value w):
    // decay after the write gives α·w; the erase term without decay gives α·v2 + (w − v2).
    const old = values.subarray(2 * dk, 3 * dk);
    const afterWrite = { shape: [dk], data: edited.data.map((x) => alpha * x) };
    const eraseUndecayed = { shape: [dk], data: edited.data.map((x, i) => x - (1 - alpha) * old[i]) };
    const unfaded = { shape: [dk], data: values.subarray(0, dk) };
    const checks = [
      {
        token: pairs,
        want: edited,
        what: m('forget-edited').text,
        hint: (t: Tensor) =>
          matches(ctx.lab, t, afterWrite, READ_BACK)
            ? m('after-write')
            : matches(ctx.lab, t, eraseUndecayed, READ_BACK)
              ? m('erase-undecayed')
              : null
      },
      {
        token: pairs + 1,
        want: faded,
        what: m('forget-faded').text,
        hint: (t: Tensor) => (matches(ctx.lab, t, unfaded, READ_BACK) ? m('gate-ignored') : null)
      }
    ];
    for (const { token, want, what, hint } of checks) {
      const where = m('forget-where', { alpha, token, what }).text;
      expectClose(ctx.lab, row(token), want, READ_BACK, where, 'gatedDeltaRule', hint);
    }
    return m('forget', {
      alpha,
      edited: fmt(tensors.compare(row(pairs), edited, READ_BACK).maxAbsError),
      faded: fmt(tensors.compare(row(pairs + 1), faded, READ_BACK).maxAbsError)
    });
  }
});

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
    }),
    gatedCheck,
    forgetCheck
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
