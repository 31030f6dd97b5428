/**
 * Lesson 13 checks: the learner's chunked gated linear attention against the float64 gated
 * recurrence (data-dependent gates, several shapes and chunk sizes, T = 1 and T not a multiple of
 * C); the same under strong decay over a long sequence, where factorising e^{b_t − b_s} as
 * e^{b_t}·e^{−b_s} overflows float32; and RetNet as the special case of a fixed decay per head.
 * A probe records what one call allocates (buffers, tensors, ONNX graph values) at T = 1024 and
 * 2048: no T×T decay mask (the parallel form handed in for the chunked one), nothing that grows with
 * T². GLA's vector gate (g [T, dk], one log decay per key channel) is checked the same way against
 * the registry's vector-gated recurrence, mild and strong gates, with its own allocation probe. The
 * sweep times the learner's kernel over N, then measures each RetNet head's memory horizon
 * with the learner's own kernel (its impulse response) beside 1/(1 − γ_h).
 */
import type { Tensor } from 'lab';
import {
  cases,
  check,
  expectClose,
  expectNumber,
  expectTensor,
  fail,
  largestAllocation,
  learner,
  matches,
  messages,
  seeded,
  totalBytes
} from '$lib/lessons/kit';
import { formatBytes } from '$lib/bench/format';
import { type Lab, type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { CHUNK, DK, DV, memory } from './memory';
import { gatedReference, retentionReference, retnetGamma, ungatedReference, vectorReference } from './reference';

type Gated = (q: Tensor, k: Tensor, v: Tensor, g: Tensor, chunk?: number) => Promise<Tensor>;
type Gamma = (h: number) => number;

const m = messages('13-decay-gates', {
  'not-finite': '{where}: row {row} holds {value}: the output must be finite',
  ungated: 'Your output equals linear attention WITHOUT gates: the decay e^{g} is never applied.',
  'first-chunk':
    'Row {row} is in the first chunk, which reads no state: the decay mask inside a chunk is wrong. Token s reaches token t ≥ s with weight D_ts = e^{b_t − b_s}, where b is the cumulative sum of g from the chunk’s start.',
  'state-read':
    'The first chunk (rows 0–{last}) is right; row {row}, in chunk 1, is not: the state is read or built without its decay. A query reads the state scaled by e^{b_t}, and key s enters it scaled by e^{b_last − b_s}.',
  'state-carry':
    'Chunks 0 and 1 are right, row {row} in chunk {index} is not: the state is built and read correctly, but carried through a whole chunk it must decay too, S ← e^{b_last}·S + Σ_s e^{b_last − b_s} k_s v_sᵀ.',
  factorised:
    'Inside one chunk b falls to −{depth}: e^{−b_s} = e^{{depth}} overflows float32 (its largest value is about e^{{maxExp}}) and e^{b_t} underflows to 0, so e^{b_t}·e^{−b_s} gives 0·∞ = NaN or loses the term. Compute e^{b_t − b_s} as one exp of the difference (and e^{b_last − b_s} likewise): every exponent is then ≤ 0.',
  overflow: '{where}: row {row} holds {value}. {factorised}',
  'only-strong': 'With mild gates your code is right, so the strong decay is what breaks it. {factorised}',
  gamma:
    'retnetGamma({h}) returned {got}; RetNet’s head {h} decays by γ = 1 − 2^(−{exp}) = {want} per token (memory horizon 1/(1 − γ) = {horizon} tokens)',
  retention: 'naive_retention’s decay mask is D_ts = γ^(t−s). {hint}',
  'tt-buffer':
    'At T = {t}, gatedAttention made {what}: that grows with T², a decay mask over the whole sequence (the parallel form). The chunked form keeps one C×C mask per chunk and reaches earlier chunks through the state.',
  'tt-growth':
    'gatedAttention allocated {small} at T = {t1} and {large} at T = {t2}: doubling T more than tripled its memory, so something grows with T². The chunked form keeps one C×C mask per chunk and reaches earlier chunks through the state.',
  'memory-ok':
    'at T = {t2}, C = {chunk}: {large} in all, the largest {largest} (a T×T mask alone would take {mask}); from T = {t1} to {t2} memory grew {ratio}×',
  matches: 'matches the recurrence for T = {cases} with C = {chunks}',
  'strong-ok': '{where}: matches the recurrence; b reaches −{depth} within a chunk and nothing overflows',
  'retnet-ok': 'γ_h = {gammas}: horizons 32, 64, 128, 256 tokens; g_t = ln γ_h gives naive_retention on {heads} heads',
  'v-ungated':
    'vectorGatedAttention returns linear attention WITHOUT gates: row i of S (key channel i) must decay by e^{g_ti} at every token.',
  'v-scalar':
    'vectorGatedAttention returns the scalar-gated layer with channel 0’s gate for every channel: each key channel i has its own log decay g[t, i], so row i of S decays by its own e^{b_ti}.',
  'v-first-chunk':
    'Row {row} is in the first chunk, which reads no state: the per-channel decay inside a chunk is wrong. Channel i of the score q_t·k_s carries e^{b_ti − b_si}, with b_ti the sum of g[·, i] from the chunk’s start to t.',
  'v-state-read':
    'The first chunk (rows 0–{last}) is right; row {row}, in chunk 1, is not: the state is read or built without its per-channel decay. A query reads row i of the state scaled by e^{b_ti}, and key s enters row i scaled by e^{b_last,i − b_si}.',
  'v-state-carry':
    'Chunks 0 and 1 are right, row {row} in chunk {index} is not: carried through a whole chunk, row i of the state must decay too, by e^{b_last,i}: S ← diag(e^{b_last}) S + Σ_s diag(e^{b_last − b_s}) k_s v_sᵀ.',
  'v-matches':
    'matches the vector-gated recurrence (g [T, dk]) for T = {cases} with C = {chunks}, and under strong decay (b reaches −{depth} in a chunk) at T = {strong}',
  'v-tt-buffer':
    'At T = {t}, vectorGatedAttention made {what}: that grows with T², a score or decay matrix over the whole sequence (the parallel form). The chunked form keeps one dk×dv state per chunk and a C-token window.',
  'v-tt-growth':
    'vectorGatedAttention allocated {small} at T = {t1} and {large} at T = {t2}: doubling T more than tripled its memory, so something grows with T². Keep one dk×dv state per chunk.',
  'v-memory-ok':
    'at T = {t2}, C = {chunk}: {large} in all, the largest {largest} (a T×T float32 matrix alone would take {mask}); from T = {t1} to {t2} memory grew {ratio}×'
});

const SIGNATURE = 'gatedAttention(q, k, v, g, chunk): Promise<Tensor>';
/** Chunked vs recurrent in float32 (syllabus §3.12). */
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
/** Largest float32 is 3.4e38 = e^88.7: a larger exponent overflows to Infinity. */
const F32_MAX_EXP = Math.log(3.4028234663852886e38);

const gatedFn = (ctx: LessonContext) => learner<Gated>(ctx, 'gatedAttention', SIGNATURE);
const vectorFn = (ctx: LessonContext) =>
  learner<Gated>(ctx, 'vectorGatedAttention', 'vectorGatedAttention(q, k, v, g, chunk): Promise<Tensor>');
const gammaFn = (ctx: LessonContext) => learner<Gamma>(ctx, 'retnetGamma', 'retnetGamma(h: number): number');

/** Data-dependent gates α_t = σ(z_t + shift) in (0, 1), stored as log decays g_t = ln α_t. */
function logSigmoidGates(lab: Lab, t: number, seed: number, shift: number): Tensor {
  const z = lab.tensors.randn([t], seed).data;
  return lab.tensors.from(
    [t],
    Array.from(z, (x) => -Math.log1p(Math.exp(-(x + shift))))
  );
}

/** Strong decay: g_t = −(2 + 3|z_t|), i.e. α_t ≤ e^{−2} ≈ 0.14 at every token. */
function strongGates(lab: Lab, t: number, seed: number): Tensor {
  const z = lab.tensors.randn([t], seed).data;
  return lab.tensors.from(
    [t],
    Array.from(z, (x) => -(2 + 3 * Math.abs(x)))
  );
}

/** GLA's gates [T, dk]: mild, α = σ(z + 2) per channel, or strong, α ≤ e^{−2} per channel. */
function vectorGates(lab: Lab, t: number, dk: number, seed: number, strong: boolean): Tensor {
  const z = lab.tensors.randn([t, dk], seed).data;
  const gate = strong ? (x: number) => -(2 + 3 * Math.abs(x)) : (x: number) => -Math.log1p(Math.exp(-(x + 2)));
  return lab.tensors.from([t, dk], Array.from(z, gate));
}

/** The same gates' channel 0, as a scalar gate [T]: the answer of code that ignores the other channels. */
function channelZero(lab: Lab, g: Tensor): Tensor {
  const [t, dk] = g.shape;
  return lab.tensors.from(
    [t],
    Array.from({ length: t }, (_, r) => g.data[r * dk])
  );
}

/** The most negative in-chunk cumulative log decay b, for the overflow hint. */
function deepestB(g: Tensor, chunk: number): number {
  let deepest = 0;
  for (let start = 0; start < g.data.length; start += chunk) {
    let b = 0;
    for (let r = start; r < Math.min(start + chunk, g.data.length); r++) b += g.data[r];
    deepest = Math.min(deepest, b);
  }
  return deepest;
}

/** The most negative in-chunk cumulative log decay over every channel of g [T, dk]. */
function deepestVectorB(g: Tensor, chunk: number): number {
  const [t, dk] = g.shape;
  let deepest = 0;
  for (let i = 0; i < dk; i++) {
    for (let start = 0; start < t; start += chunk) {
      let b = 0;
      for (let r = start; r < Math.min(start + chunk, t); r++) b += g.data[r * dk + i];
      deepest = Math.min(deepest, b);
    }
  }
  return deepest;
}

/** The vector gate's version of whereHint. */
function vectorWhere(firstMismatch: number, dv: number, chunk: number) {
  const row = Math.floor(firstMismatch / dv);
  if (row < chunk) return m('v-first-chunk', { row });
  const index = Math.floor(row / chunk);
  return index >= 2 ? m('v-state-carry', { row, index }) : m('v-state-read', { row, last: chunk - 1 });
}

/** Where the first wrong row sits says which decay is missing: inside the first chunk, or across chunks. */
function whereHint(firstMismatch: number, dv: number, chunk: number) {
  const row = Math.floor(firstMismatch / dv);
  if (row < chunk) return m('first-chunk', { row });
  const index = Math.floor(row / chunk);
  return index >= 2 ? m('state-carry', { row, index }) : m('state-read', { row, last: chunk - 1 });
}

/** o = gatedAttention(…) as a [T, dv] tensor, or a failure naming the first non-finite row. */
async function finiteOutput(f: Gated, x: Record<'q' | 'k' | 'v' | 'g', Tensor>, chunk: number, where: string) {
  const [t, dv] = [x.q.shape[0], x.v.shape[1]];
  const o = expectTensor(await f(x.q, x.k, x.v, x.g, chunk), [t, dv], `gatedAttention (${where})`);
  const bad = o.data.findIndex((y) => !Number.isFinite(y));
  return { o, bad, row: Math.floor(bad / dv), value: o.data[bad] };
}

/** Own cases; `cases` adds T = 1 and T not a multiple of C when the list lacks them. */
const CASES = cases(
  [
    { n: 1, dk: 8, dv: 8, chunk: 16 },
    { n: 7, dk: 16, dv: 8, chunk: 16 },
    { n: 100, dk: 32, dv: 16, chunk: 16 },
    { n: 200, dk: 16, dv: 32, chunk: 32 },
    { n: 130, dk: 64, dv: 64, chunk: 64 }
  ],
  { block: 16, make: (n) => ({ n, dk: 8, dv: 8, chunk: 16 }) }
);

/**
 * What one call allocates at T = 1024 and 2048 (C = 64, d = 16, mild gates): no single allocation
 * of T² bytes (a quarter of a T×T float32 mask; the chunked form's largest, the C×C masks of every
 * chunk, is T·C floats, 512 KiB at T = 2048), and doubling T may not more than triple the total.
 */
const memoryCheck = check({
  id: 'no-t-by-t',
  title: 'The chunked form keeps no T×T matrix',
  async run(ctx) {
    const f = gatedFn(ctx);
    const { lab } = ctx;
    const [t1, t2, d, chunk] = [1024, 2048, 16, 64];
    const totals: number[] = [];
    let largest = '';
    for (const t of [t1, t2]) {
      const x = { ...seeded(lab, { q: [t, d], k: [t, d], v: [t, d] }, 70), g: logSigmoidGates(lab, t, 73, 2) };
      const { record } = await ctx.probe(() => f(x.q, x.k, x.v, x.g, chunk));
      const big = largestAllocation(record);
      if (big && big.bytes >= t * t) fail(m('tt-buffer', { t, what: big.text }));
      totals.push(totalBytes(record));
      largest = big?.text ?? 'nothing';
    }
    const [small, large] = totals;
    const sizes = { t1, t2, small: formatBytes(small), large: formatBytes(large) };
    if (large > 3 * small) fail(m('tt-growth', sizes));
    const ratio = (large / Math.max(1, small)).toFixed(2);
    return m('memory-ok', { ...sizes, chunk, largest, mask: formatBytes(4 * t2 * t2), ratio });
  }
});

/** GLA's vector gate: own cases, T = 1 and T not a multiple of C included. */
const VECTOR_CASES = cases(
  [
    { n: 1, dk: 8, dv: 8, chunk: 16 },
    { n: 40, dk: 16, dv: 8, chunk: 16 },
    { n: 100, dk: 32, dv: 16, chunk: 32 },
    { n: 130, dk: 64, dv: 64, chunk: 64 }
  ],
  { block: 16, make: (n) => ({ n, dk: 8, dv: 8, chunk: 16 }) }
);

const vectorCheck = check({
  id: 'vector-gates',
  title: 'GLA’s vector gate: one decay per key channel equals the recurrence',
  async run(ctx) {
    const f = vectorFn(ctx);
    const { lab } = ctx;
    const strong = { n: 256, dk: 16, dv: 16, chunk: 64 };
    let depth = '';
    for (const [i, { n, dk, dv, chunk }] of [...VECTOR_CASES, strong].entries()) {
      const isStrong = i === VECTOR_CASES.length;
      const qkv = seeded(lab, { q: [n, dk], k: [n, dk], v: [n, dv] }, 80 + 10 * i);
      const x = { ...qkv, g: vectorGates(lab, n, dk, 83 + 10 * i, isStrong) };
      const where = `g [T, dk], T = ${n}, dk = ${dk}, dv = ${dv}, C = ${chunk}${isStrong ? ', α ≤ e^{−2}' : ''}`;
      const o = expectTensor(await f(x.q, x.k, x.v, x.g, chunk), [n, dv], `vectorGatedAttention (${where})`);
      const bad = o.data.findIndex((y) => !Number.isFinite(y));
      const at = { where, row: Math.floor(bad / dv), value: o.data[bad] };
      if (bad >= 0 && isStrong) {
        depth = (-deepestVectorB(x.g, chunk)).toFixed(0);
        const factorised = m('factorised', { depth, maxExp: F32_MAX_EXP.toFixed(1) }).text;
        fail(m('overflow', { ...at, factorised }));
      }
      if (bad >= 0) fail(m('not-finite', at));
      const scale = 1 / Math.sqrt(dk);
      expectClose(
        lab,
        o,
        vectorReference(x.q, x.k, x.v, x.g, scale),
        TOLERANCE,
        where,
        'vectorGatedAttention',
        (_, c) => {
          if (matches(lab, o, ungatedReference(x.q, x.k, x.v, scale), TOLERANCE)) return m('v-ungated');
          if (matches(lab, o, gatedReference(x.q, x.k, x.v, channelZero(lab, x.g), scale), TOLERANCE))
            return m('v-scalar');
          return vectorWhere(c.firstMismatch, dv, chunk);
        }
      );
      if (isStrong) depth = (-deepestVectorB(x.g, chunk)).toFixed(0);
    }
    const chunks = [...new Set(VECTOR_CASES.map((c) => c.chunk))].join(', ');
    return m('v-matches', { cases: VECTOR_CASES.map((c) => c.n).join(', '), chunks, depth, strong: strong.n });
  }
});

/** The vector gate's allocations at T = 1024 and 2048 (C = 64, d = 16): as the scalar probe above. */
const vectorMemoryCheck = check({
  id: 'vector-no-t-by-t',
  title: 'The vector-gated chunked form keeps no T×T matrix',
  async run(ctx) {
    const f = vectorFn(ctx);
    const { lab } = ctx;
    const [t1, t2, d, chunk] = [1024, 2048, 16, 64];
    const totals: number[] = [];
    let largest = '';
    for (const t of [t1, t2]) {
      const x = { ...seeded(lab, { q: [t, d], k: [t, d], v: [t, d] }, 90), g: vectorGates(lab, t, d, 93, false) };
      const { record } = await ctx.probe(() => f(x.q, x.k, x.v, x.g, chunk));
      const big = largestAllocation(record);
      if (big && big.bytes >= t * t) fail(m('v-tt-buffer', { t, what: big.text }));
      totals.push(totalBytes(record));
      largest = big?.text ?? 'nothing';
    }
    const [small, large] = totals;
    const sizes = { t1, t2, small: formatBytes(small), large: formatBytes(large) };
    if (large > 3 * small) fail(m('v-tt-growth', sizes));
    const ratio = (large / Math.max(1, small)).toFixed(2);
    return m('v-memory-ok', { ...sizes, chunk, largest, mask: formatBytes(4 * t2 * t2), ratio });
  }
});

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'chunked-gates',
      title: 'Chunked gated attention equals the gated recurrence',
      async run(ctx) {
        const f = gatedFn(ctx);
        const { lab } = ctx;
        for (const [i, { n, dk, dv, chunk }] of CASES.entries()) {
          const qkv = seeded(lab, { q: [n, dk], k: [n, dk], v: [n, dv] }, 10 + 10 * i);
          const inputs = { ...qkv, g: logSigmoidGates(lab, n, 13 + 10 * i, 2) };
          const where = `T = ${n}, dk = ${dk}, dv = ${dv}, C = ${chunk}`;
          const { o, bad, row, value } = await finiteOutput(f, inputs, chunk, where);
          if (bad >= 0) fail(m('not-finite', { where, row, value }));
          const { q, k, v, g } = inputs;
          const scale = 1 / Math.sqrt(dk);
          expectClose(lab, o, gatedReference(q, k, v, g, scale), TOLERANCE, where, 'gatedAttention', (_, c) =>
            matches(lab, o, ungatedReference(q, k, v, scale), TOLERANCE)
              ? m('ungated')
              : whereHint(c.firstMismatch, dv, chunk)
          );
        }
        const chunks = [...new Set(CASES.map((c) => c.chunk))].join(', ');
        return m('matches', { cases: CASES.map((c) => c.n).join(', '), chunks });
      }
    }),
    check({
      id: 'strong-decay',
      title: 'Strong decay over a long sequence stays finite and exact',
      async run(ctx) {
        const f = gatedFn(ctx);
        const { lab } = ctx;
        const [t, d, chunk] = [1024, 32, 64];
        const x = { ...seeded(lab, { q: [t, d], k: [t, d], v: [t, d] }, 51), g: strongGates(lab, t, 54) };
        const where = `T = ${t}, C = ${chunk}, α_t ≤ e^{−2}`;
        const depth = (-deepestB(x.g, chunk)).toFixed(0);
        const factorised = m('factorised', { depth, maxExp: F32_MAX_EXP.toFixed(1) }).text;
        const { o, bad, row, value } = await finiteOutput(f, x, chunk, where);
        if (bad >= 0) fail(m('overflow', { where, row, value, factorised }));
        const scale = 1 / Math.sqrt(d);
        const want = gatedReference(x.q, x.k, x.v, x.g, scale);
        if (!matches(lab, o, want, TOLERANCE)) {
          // Does the same code pass with mild gates? Then only the strong decay breaks it.
          const mild = { ...x, g: logSigmoidGates(lab, t, 55, 2) };
          const om = await f(mild.q, mild.k, mild.v, mild.g, chunk);
          const mildOut = expectTensor(om, [t, d], `gatedAttention (${where}, mild gates)`);
          const mildOk = matches(lab, mildOut, gatedReference(mild.q, mild.k, mild.v, mild.g, scale), TOLERANCE);
          expectClose(lab, o, want, TOLERANCE, where, 'gatedAttention', (_, c) =>
            mildOk ? m('only-strong', { factorised }) : whereHint(c.firstMismatch, d, chunk)
          );
        }
        return m('strong-ok', { where, depth });
      }
    }),
    check({
      id: 'retnet',
      title: 'RetNet: a fixed decay γ_h = 1 − 2^(−5−h) per head is a special case',
      async run(ctx) {
        const gamma = gammaFn(ctx);
        for (let h = 0; h < 8; h++) {
          const got = expectNumber(gamma(h), `retnetGamma(${h})`);
          const want = retnetGamma(h);
          if (!(Math.abs(got - want) <= 1e-12)) {
            fail(m('gamma', { h, got, exp: 5 + h, want, horizon: 2 ** (5 + h) }));
          }
        }
        // fla's naive_retention is head-first: q, k, v are [H, T, d]; each head is one gated attention.
        const f = gatedFn(ctx);
        const { tensors } = ctx.lab;
        const [heads, t, d] = [4, 300, 32];
        const all = seeded(ctx.lab, { q: [heads, t, d], k: [heads, t, d], v: [heads, t, d] }, 60);
        const head = (x: Tensor, h: number) => tensors.from([t, d], x.data.subarray(h * t * d, (h + 1) * t * d));
        for (let h = 0; h < heads; h++) {
          const [q, k, v] = [all.q, all.k, all.v].map((x) => head(x, h));
          const g = tensors.from([t], new Array<number>(t).fill(Math.log(retnetGamma(h))));
          const where = `RetNet head ${h} (γ = ${retnetGamma(h)}, g_t = ln γ, C = ${CHUNK})`;
          const o = await f(q, k, v, g, CHUNK);
          expectClose(
            ctx.lab,
            o,
            retentionReference(h, q, k, v),
            TOLERANCE,
            where,
            `gatedAttention (${where})`,
            (_, c) => m('retention', { hint: whereHint(c.firstMismatch, d, CHUNK).text })
          );
        }
        return m('retnet-ok', { gammas: [0, 1, 2, 3].map(retnetGamma).join(', '), heads });
      }
    }),
    memoryCheck,
    vectorCheck,
    vectorMemoryCheck
  ],
  async sweep(ctx, n) {
    const f = gatedFn(ctx);
    const { lab } = ctx;
    await lab.sweep({
      label: `chunked gated attention (your code), C = ${CHUNK}`,
      n,
      setup: (size) => ({
        ...seeded(lab, { q: [size, DK], k: [size, DK], v: [size, DV] }, 1),
        g: logSigmoidGates(lab, size, 4, 2)
      }),
      run: ({ q, k, v, g }) => f(q, k, v, g, CHUNK),
      bytes: (size) => bytesOf(memory, size)
    });

    // Memory horizon: feed one token (k_0 = v_0 = 1, every q_t = 1, d = 1) and sum what reaches each
    // later token. With g_t = ln γ that is Σ_t γ^t = (1 − γ^T)/(1 − γ) ≈ 1/(1 − γ) once T ≫ 1/(1 − γ).
    const gamma = gammaFn(ctx);
    const t = 32768;
    const ones = lab.tensors.from([t, 1], new Float32Array(t).fill(1));
    const impulse = lab.tensors.zeros([t, 1]);
    impulse.data[0] = 1;
    const heads = [0, 1, 2, 3, 4, 5, 6, 7];
    const measured: [number, number][] = [];
    for (const h of heads) {
      const g = lab.tensors.from([t], new Float32Array(t).fill(Math.log(gamma(h))));
      const o = await f(ones, impulse, ones, g, CHUNK);
      measured.push([h, o.data.reduce((a, x) => a + x, 0)]);
    }
    lab.plot({
      id: 'horizon',
      title: 'Memory horizon per RetNet head',
      x: { label: 'head h' },
      y: { label: 'tokens', log: true },
      // chart.js draws the first series on top: the dashed analytic line stays visible over the measured one.
      series: [
        {
          label: '1/(1 − γ_h) = 2^(5+h), γ_h = 1 − 2^(−5−h)',
          points: heads.map((h) => [h, 1 / (1 - retnetGamma(h))]),
          dashed: true
        },
        { label: `Σ_t decay^t from your kernel (one token, T = ${t})`, points: measured }
      ]
    });
  }
};
