/**
 * Lesson 13 checks: the learner's chunked gated linear attention against the float64 gated
 * recurrence (data-dependent gates, several shapes and chunk sizes, N = 1 and N not a multiple of
 * C); the same under strong decay over a long sequence, where factorising e^{b_t − b_s} as
 * e^{b_t}·e^{−b_s} overflows float32; and RetNet as the special case of a fixed decay per head.
 * The sweep times the learner's kernel over N, then measures each RetNet head's memory horizon
 * with the learner's own kernel (its impulse response) beside 1/(1 − γ_h).
 */
import type { Tensor } from 'lab';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type Lab, type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { CHUNK, DK, DV, memory } from './memory';
import { gatedReference, retentionReference, retnetGamma, ungatedReference } from './reference';

type Gated = (q: Tensor, k: Tensor, v: Tensor, g: Tensor, chunk?: number) => Promise<Tensor>;
type Gamma = (h: number) => number;

const SIGNATURE = 'gatedAttention(q, k, v, g, chunk): Promise<Tensor>';
/** Chunked vs recurrent in float32 (syllabus §3.12). */
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
/** Largest float32 is 3.4e38 = e^88.7: a larger exponent overflows to Infinity. */
const F32_MAX_EXP = Math.log(3.4028234663852886e38);

const gatedFn = (ctx: LessonContext) => learnerFunction<Gated>(ctx, 'gatedAttention', SIGNATURE);

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

async function runLearner(
  f: Gated,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  g: Tensor,
  chunk: number,
  what: string
): Promise<Tensor> {
  const o = await f(q, k, v, g, chunk);
  if (!isTensor(o))
    throw new CheckFailure(
      `${what}: gatedAttention must return a Tensor { shape, data: Float32Array }, got ${String(o)}`
    );
  const want = [q.shape[0], v.shape[1]];
  if (o.shape.length !== 2 || o.shape[0] !== want[0] || o.shape[1] !== want[1]) {
    throw new CheckFailure(`${what}: expected o of shape [${want.join(', ')}] ([T, dv]), got [${o.shape.join(', ')}]`);
  }
  return o;
}

const finite = (o: Tensor) => o.data.every(Number.isFinite);

/** Where the first wrong row sits says which decay is missing: inside the first chunk, or across chunks. */
function whereHint(row: number, chunk: number): string {
  if (row < chunk) {
    return `Row ${row} is in the first chunk, which reads no state: the decay mask inside a chunk is wrong. Token s reaches token t ≥ s with weight D_ts = e^{b_t − b_s}, where b is the cumulative sum of g from the chunk's start.`;
  }
  const c = Math.floor(row / chunk);
  if (c >= 2) {
    return `Chunks 0 and 1 are right, row ${row} in chunk ${c} is not: the state is built and read correctly, but carried through a whole chunk it must decay too, S ← e^{b_last}·S + Σ_s e^{b_last − b_s} k_s v_sᵀ.`;
  }
  return `The first chunk (rows 0–${chunk - 1}) is right; row ${row}, in chunk 1, is not: the state is read or built without its decay. A query reads the state scaled by e^{b_t}, and key s enters it scaled by e^{b_last − b_s}.`;
}

const CASES = [
  { t: 1, dk: 8, dv: 8, chunk: 16 },
  { t: 7, dk: 16, dv: 8, chunk: 16 },
  { t: 100, dk: 32, dv: 16, chunk: 16 },
  { t: 200, dk: 16, dv: 32, chunk: 32 },
  { t: 130, dk: 64, dv: 64, chunk: 64 }
];

export const harness: LessonHarness = {
  checks: [
    {
      id: 'chunked-gates',
      title: 'Chunked gated attention equals the gated recurrence',
      run: (ctx) =>
        outcome(async () => {
          const f = gatedFn(ctx);
          const { tensors } = ctx.lab;
          for (const [i, { t, dk, dv, chunk }] of CASES.entries()) {
            const q = tensors.randn([t, dk], 10 + i);
            const k = tensors.randn([t, dk], 20 + i);
            const v = tensors.randn([t, dv], 30 + i);
            const g = logSigmoidGates(ctx.lab, t, 40 + i, 2);
            const what = `T = ${t}, dk = ${dk}, dv = ${dv}, C = ${chunk}`;
            const o = await runLearner(f, q, k, v, g, chunk, what);
            const scale = 1 / Math.sqrt(dk);
            if (!finite(o)) return { pass: false, message: `${what}: the output holds NaN or Infinity` };
            const c = tensors.compare(o, gatedReference(q, k, v, g, scale), TOLERANCE);
            if (c.ok) continue;
            const hint = tensors.compare(o, ungatedReference(q, k, v, scale), TOLERANCE).ok
              ? 'Your output equals linear attention WITHOUT gates: the decay e^{g} is never applied.'
              : whereHint(Math.floor(c.firstMismatch / dv), chunk);
            return { pass: false, message: `${what}: ${c.message}. ${hint}` };
          }
          return {
            pass: true,
            message: `matches the recurrence for T = ${CASES.map((c) => c.t).join(', ')} with C = 16, 32, 64`
          };
        })
    },
    {
      id: 'strong-decay',
      title: 'Strong decay over a long sequence stays finite and exact',
      run: (ctx) =>
        outcome(async () => {
          const f = gatedFn(ctx);
          const { tensors } = ctx.lab;
          const [t, d, chunk] = [1024, 32, 64];
          const q = tensors.randn([t, d], 51);
          const k = tensors.randn([t, d], 52);
          const v = tensors.randn([t, d], 53);
          const g = strongGates(ctx.lab, t, 54);
          const what = `T = ${t}, C = ${chunk}, α_t ≤ e^{−2}`;
          const o = await runLearner(f, q, k, v, g, chunk, what);
          const depth = -deepestB(g, chunk);
          const factorised =
            `Inside one chunk b falls to −${depth.toFixed(0)}: e^{−b_s} = e^{${depth.toFixed(0)}} overflows float32 (its largest value is about e^{${F32_MAX_EXP.toFixed(1)}}) ` +
            'and e^{b_t} underflows to 0, so e^{b_t}·e^{−b_s} gives 0·∞ = NaN or loses the term. Compute e^{b_t − b_s} as one exp of the difference (and e^{b_last − b_s} likewise): every exponent is then ≤ 0.';
          if (!finite(o)) {
            const bad = o.data.findIndex((x) => !Number.isFinite(x));
            return { pass: false, message: `${what}: row ${Math.floor(bad / d)} holds ${o.data[bad]}. ${factorised}` };
          }
          const c = tensors.compare(o, gatedReference(q, k, v, g, 1 / Math.sqrt(d)), TOLERANCE);
          if (c.ok)
            return {
              pass: true,
              message: `${what}: matches the recurrence; b reaches −${depth.toFixed(0)} within a chunk and nothing overflows`
            };
          // Does the same code pass with mild gates? Then only the strong decay breaks it.
          const gm = logSigmoidGates(ctx.lab, t, 55, 2);
          const mild = tensors.compare(
            await runLearner(f, q, k, v, gm, chunk, what),
            gatedReference(q, k, v, gm, 1 / Math.sqrt(d)),
            TOLERANCE
          ).ok;
          const hint = mild
            ? `With mild gates your code is right, so the strong decay is what breaks it. ${factorised}`
            : whereHint(Math.floor(c.firstMismatch / d), chunk);
          return { pass: false, message: `${what}: ${c.message}. ${hint}` };
        })
    },
    {
      id: 'retnet',
      title: 'RetNet: a fixed decay γ_h = 1 − 2^(−5−h) per head is a special case',
      run: (ctx) =>
        outcome(async () => {
          const gamma = learnerFunction<Gamma>(ctx, 'retnetGamma', 'retnetGamma(h: number): number');
          for (let h = 0; h < 8; h++) {
            const got = gamma(h);
            const want = retnetGamma(h);
            if (!(Math.abs(got - want) <= 1e-12)) {
              return {
                pass: false,
                message: `retnetGamma(${h}) returned ${got}; RetNet's head ${h} decays by γ = 1 − 2^(−${5 + h}) = ${want} per token (memory horizon 1/(1 − γ) = ${2 ** (5 + h)} tokens)`
              };
            }
          }
          // fla's naive_retention is head-first: q, k, v are [H, T, d]; each head is one gated attention.
          const f = gatedFn(ctx);
          const { tensors } = ctx.lab;
          const [heads, t, d] = [4, 300, 32];
          const all = ['q', 'k', 'v'].map((_, i) => tensors.randn([heads, t, d], 60 + i));
          const head = (x: Tensor, h: number) => tensors.from([t, d], x.data.subarray(h * t * d, (h + 1) * t * d));
          for (let h = 0; h < heads; h++) {
            const [q, k, v] = all.map((x) => head(x, h));
            const g = tensors.from([t], new Array<number>(t).fill(Math.log(retnetGamma(h))));
            const o = await runLearner(f, q, k, v, g, CHUNK, `RetNet head ${h}`);
            const c = tensors.compare(o, retentionReference(h, q, k, v), TOLERANCE);
            if (!c.ok) {
              const hint = whereHint(Math.floor(c.firstMismatch / d), CHUNK);
              return {
                pass: false,
                message: `RetNet head ${h} (γ = ${retnetGamma(h)}, g_t = ln γ, C = ${CHUNK}): ${c.message}. naive_retention's decay mask is D_ts = γ^(t−s). ${hint}`
              };
            }
          }
          return {
            pass: true,
            message: `γ_h = ${[0, 1, 2, 3].map(retnetGamma).join(', ')}: horizons 32, 64, 128, 256 tokens; g_t = ln γ_h gives naive_retention on ${heads} heads`
          };
        })
    }
  ],
  async sweep(ctx, n) {
    const f = gatedFn(ctx);
    const { lab } = ctx;
    await lab.sweep({
      label: `chunked gated attention (your code), C = ${CHUNK}`,
      n,
      setup: (size) => ({
        q: lab.tensors.randn([size, DK], 1),
        k: lab.tensors.randn([size, DK], 2),
        v: lab.tensors.randn([size, DV], 3),
        g: logSigmoidGates(lab, size, 4, 2)
      }),
      run: ({ q, k, v, g }) => f(q, k, v, g, CHUNK),
      bytes: (size) => bytesOf(memory, size)
    });

    // Memory horizon: feed one token (k_0 = v_0 = 1, every q_t = 1, d = 1) and sum what reaches each
    // later token. With g_t = ln γ that is Σ_t γ^t = (1 − γ^T)/(1 − γ) ≈ 1/(1 − γ) once T ≫ 1/(1 − γ).
    const gamma = learnerFunction<Gamma>(ctx, 'retnetGamma', 'retnetGamma(h: number): number');
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
