/**
 * Lesson 14 checks. (1) The sequential selective scan against the float64 reference in the
 * canonical convention (ZOH for A, Euler step for B), naming the typical mistakes when one of
 * them reproduces the output: Euler for A, exact ZOH for B, reading the state out before the
 * update, a missing D ⊙ u, a scan that never decays. (2) The parallel scan against the
 * sequential reference, on N = 1 and lengths that are not powers of 2, N_s = 1 among them.
 * (3) The ZOH-B toggle against an exact-ZOH float64 scan, with how far it moves y. The sweep
 * times the parallel form over N, then plots sequential vs parallel time and the analytic bytes
 * of the materialised and streamed forms.
 */
import type { Tensor } from 'lab';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type Backend, type Lab, type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { D, LAYER, NS, memory, minimalBuffers, streamedBuffers } from './memory';
import { type ScanInputs, type Variant, reference, variant } from './reference';

type Form = 'sequential' | 'parallel';
type Inputs = { u: Tensor; delta: Tensor; A: Tensor; B: Tensor; C: Tensor; D?: Tensor };
type Scan = (x: Inputs, form?: Form, bRule?: 'euler' | 'zoh') => Promise<Tensor>;
type Shape = { n: number; d: number; ns: number; skip?: boolean };
type F64 = { shape: number[]; data: Float64Array };

// float32 against float64 over recurrences up to N = 1000 (SYLLABUS §5: long recurrences ≤ 1024).
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
const SEQUENTIAL: Shape[] = [
  { n: 1, d: 1, ns: 1 },
  { n: 7, d: 3, ns: 4 },
  { n: 64, d: 4, ns: 16, skip: false },
  { n: 1000, d: 2, ns: 8 }
];
// N = 1, 2 and lengths that are not powers of 2, with a single state (N_s = 1) among them.
const PARALLEL: Shape[] = [
  { n: 1, d: 1, ns: 1 },
  { n: 2, d: 1, ns: 1 },
  { n: 3, d: 2, ns: 1 },
  { n: 5, d: 1, ns: 4 },
  { n: 7, d: 3, ns: 1 },
  { n: 100, d: 2, ns: 4 },
  { n: 1000, d: 2, ns: 16 }
];
const ZOH_SHAPE: Shape = { n: 64, d: 4, ns: 16 };

/** Mamba-like inputs: Δ = softplus(N(0, 1)) > 0 and A_{c,n} = −(n + 1), i.e. A = −exp(A_log) with A_log = log(1 … N_s). */
export function makeInputs(lab: Lab, { n, d, ns, skip = true }: Shape, seed: number): Inputs {
  const t = lab.tensors;
  const delta = t.from(
    [n, d],
    Array.from(t.randn([n, d], seed + 1).data, (z) => Math.log1p(Math.exp(z)))
  );
  const A = t.from(
    [d, ns],
    Array.from({ length: d * ns }, (_, i) => -((i % ns) + 1))
  );
  const x: Inputs = {
    u: t.randn([n, d], seed),
    delta,
    A,
    B: t.randn([n, ns], seed + 2),
    C: t.randn([n, ns], seed + 3)
  };
  if (skip) x.D = t.randn([d], seed + 4);
  return x;
}

const label = ({ n, d, ns }: Shape) => `N = ${n}, D = ${d}, N_s = ${ns}`;

/** The learner's files that hold each part, per backend and form, so that hints say where to look. */
function fileOf(backend: Backend, form: Form, part: 'discretise' | 'scan'): string {
  if (backend === 'webgpu')
    return part === 'discretise' ? 'discretise.wgsl' : form === 'sequential' ? 'scan.wgsl' : 'pscan.wgsl';
  return form === 'sequential' ? 'cpu.ts' : 'graph.ts';
}

async function run(ctx: LessonContext, x: Inputs, form: Form, bRule?: 'euler' | 'zoh'): Promise<Tensor> {
  const scan = learnerFunction<Scan>(ctx, 'selectiveScan', 'selectiveScan(x, form, bRule): Promise<Tensor>');
  const y = bRule === undefined ? await scan(x, form) : await scan(x, form, bRule);
  if (!isTensor(y))
    throw new CheckFailure(`selectiveScan must return a Tensor { shape, data: Float32Array }, got ${String(y)}`);
  const [n, d] = x.u.shape;
  if (y.shape.length !== 2 || y.shape[0] !== n || y.shape[1] !== d) {
    throw new CheckFailure(`${form} form: expected y of shape [N, D] = [${n}, ${d}], got [${y.shape.join(', ')}]`);
  }
  return y;
}

/** Largest |a − b| and largest |b|, for saying how far two outputs are apart. */
function gap(a: F64, b: F64): { max: number; scale: number } {
  let max = 0;
  let scale = 0;
  for (let i = 0; i < a.data.length; i++) {
    max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  return { max, scale };
}

interface Mistake {
  key: keyof Variant;
  value: string | boolean;
  part: 'discretise' | 'scan';
  hint: string;
}
const MISTAKES: Mistake[] = [
  {
    key: 'a',
    value: 'euler',
    part: 'discretise',
    hint: 'ā looks like 1 + ΔA, an Euler step. Mamba holds A exactly (zero-order hold): ā = exp(ΔA).'
  },
  {
    key: 'b',
    value: 'zoh',
    part: 'discretise',
    hint: "B is discretised with the exact zero-order hold, (exp(ΔA) − 1)/A · B·u. The reference (state-spaces/mamba's selective_scan_ref, mamba-minimal) takes the Euler step Δ·B·u: keep B_RULE = 'euler'."
  },
  {
    key: 'readout',
    value: 'before',
    part: 'scan',
    hint: 'y_t reads the state before this token’s update (C_t · x_{t−1}); Mamba reads x_t, after it.'
  },
  { key: 'skip', value: false, part: 'scan', hint: 'the skip term D ⊙ u_t is missing from y_t.' },
  {
    key: 'decay',
    value: false,
    part: 'scan',
    hint: 'the b̄u add up without decaying, as in a plain prefix sum: a later step scales what came before it, so (a1, b1) ∘ (a2, b2) = (a1·a2, a2·b1 + b2).'
  }
];

/** Which combination of the typical mistakes reproduces y, as located hints; empty when none does. */
function diagnose(ctx: LessonContext, y: Tensor, x: ScanInputs, form: Form): string[] {
  for (let mask = 1; mask < 1 << MISTAKES.length; mask++) {
    const chosen = MISTAKES.filter((_, i) => mask & (1 << i));
    const v: Partial<Variant> = Object.fromEntries(chosen.map((m) => [m.key, m.value]));
    if (!ctx.lab.tensors.compare(y, variant(x, v), TOLERANCE).ok) continue;
    const hints = chosen.map((m) => `In ${fileOf(ctx.backend, form, m.part)}: ${m.hint}`);
    if (v.b === 'zoh') {
      const { max, scale } = gap(variant(x, { b: 'zoh' }), reference(x));
      hints.push(
        `On this input the two rules for B differ in y by up to ${max.toPrecision(3)}, where the largest |y| is ${scale.toPrecision(3)}.`
      );
    }
    return hints;
  }
  return [];
}

/** A failure message when y holds NaN or ±Infinity, or null. */
function blowUp(y: Tensor, shape: Shape): string | null {
  const bad = y.data.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return null;
  return `${label(shape)}: y is ${y.data[bad]} at row ${Math.floor(bad / shape.d)}, column ${bad % shape.d}. A state that blows up means |ā| > 1: ā = 1 + ΔA gets there once Δ > 2/|A|, while exp(ΔA) stays in (0, 1) for every Δ > 0.`;
}

/** What to say about a parallel form that is wrong in no recognised way; t is the first wrong row. */
async function scanHint(ctx: LessonContext, x: Inputs, y: Tensor, t: number): Promise<string> {
  const file = fileOf(ctx.backend, 'parallel', 'scan');
  const operator = 'applying (a1, b1) then (a2, b2) to x gives a2·(a1·x + b1) + b2';
  if (ctx.lab.tensors.compare(y, await run(ctx, x, 'sequential'), TOLERANCE).ok) {
    return 'Your parallel and sequential forms agree with each other but not with the reference: make the first check pass first.';
  }
  if (ctx.backend === 'webgpu' && t === 1) {
    return `Row 0 is right and row 1 is not: after the first round (offset 1), row 1 must hold steps 0 and 1 combined. Does that round run, and does it combine in this order? In ${file}: ${operator}.`;
  }
  if (ctx.backend === 'webgpu' && t > 1 && (t & (t - 1)) === 0) {
    return `Rows 0 … ${t - 1} are right and row ${t} is the first wrong one: rounds with offsets 1 … ${t / 2} complete only the rows below ${t}. Do the rounds go on while offset < N?`;
  }
  return `In ${file}: check the operator (${operator}), and that the discretisation is the sequential form's.`;
}

const join = (hints: string[]) => (hints.length ? ' ' + hints.join(' ') : '');

export const harness: LessonHarness = {
  checks: [
    {
      id: 'selective-scan',
      title: 'The sequential scan matches selective_scan_ref (ZOH for A, Euler step for B)',
      run: (ctx) =>
        outcome(async () => {
          for (const [i, shape] of SEQUENTIAL.entries()) {
            const x = makeInputs(ctx.lab, shape, 100 + 10 * i);
            const y = await run(ctx, x, 'sequential');
            const blown = blowUp(y, shape);
            if (blown) return { pass: false, message: blown };
            const c = ctx.lab.tensors.compare(y, reference(x), TOLERANCE);
            if (!c.ok)
              return {
                pass: false,
                message: `${label(shape)}: ${c.message}.${join(diagnose(ctx, y, x, 'sequential'))}`
              };
          }
          return {
            pass: true,
            message: `matches the float64 reference for ${SEQUENTIAL.map(label).join('; ')} (one without D)`
          };
        })
    },
    {
      id: 'parallel-scan',
      title: 'The parallel scan equals the sequential scan (N = 1, N not a power of 2, N_s = 1)',
      run: (ctx) =>
        outcome(async () => {
          for (const [i, shape] of PARALLEL.entries()) {
            const x = makeInputs(ctx.lab, shape, 200 + 10 * i);
            const y = await run(ctx, x, 'parallel');
            const blown = blowUp(y, shape);
            if (blown) return { pass: false, message: blown };
            const c = ctx.lab.tensors.compare(y, reference(x, 'sequential'), TOLERANCE);
            if (c.ok) continue;
            const hints = diagnose(ctx, y, x, 'parallel');
            if (hints.length === 0) hints.push(await scanHint(ctx, x, y, Math.floor(c.firstMismatch / shape.d)));
            return { pass: false, message: `${label(shape)}: ${c.message}.${join(hints)}` };
          }
          return {
            pass: true,
            message: `parallel = sequential for N = ${PARALLEL.map((s) => s.n).join(', ')}, N_s = 1 among them`
          };
        })
    },
    {
      id: 'zoh-b',
      title: "The toggle bRule = 'zoh' holds B exactly: b̄u = (exp(ΔA) − 1)/A · B·u",
      run: (ctx) =>
        outcome(async () => {
          const x = makeInputs(ctx.lab, ZOH_SHAPE, 300);
          const exact = variant(x, { b: 'zoh' });
          for (const form of ['sequential', 'parallel'] as const) {
            const y = await run(ctx, x, form, 'zoh');
            const c = ctx.lab.tensors.compare(y, exact, TOLERANCE);
            if (c.ok) continue;
            if (!ctx.lab.tensors.compare(await run(ctx, x, form, 'euler'), reference(x), TOLERANCE).ok) {
              const check = form === 'sequential' ? 'the first check' : 'the parallel check';
              return {
                pass: false,
                message: `${label(ZOH_SHAPE)}, ${form} form: with bRule = 'euler' it does not match the reference either. Make ${check} pass first; this one changes only b̄u.`
              };
            }
            const stillEuler = ctx.lab.tensors.compare(y, reference(x), TOLERANCE).ok;
            const hint = stillEuler
              ? ` In ${fileOf(ctx.backend, form, 'discretise')}: with bRule = 'zoh' it still takes the Euler step Δ·B·u.`
              : '';
            return { pass: false, message: `${label(ZOH_SHAPE)}, ${form} form, bRule = 'zoh': ${c.message}.${hint}` };
          }
          const { max, scale } = gap(exact, reference(x));
          return {
            pass: true,
            message: `exact ZOH for B is right in both forms. On this input (Δ = softplus(N(0, 1)), A = −1 … −16) it moves y by up to ${max.toPrecision(3)}, where the largest |y| is ${scale.toPrecision(3)}: far beyond rounding, so test vectors must use the rule of the code they test (Euler, in Mamba's).`
          };
        })
    }
  ],
  async sweep(ctx, n) {
    const scan = learnerFunction<Scan>(ctx, 'selectiveScan', 'selectiveScan(x, form, bRule): Promise<Tensor>');
    if (n.length === 0) return;
    const shape = (size: number): Shape => ({ n: size, d: D, ns: NS });
    // One untimed call first: shader compilation or onnxruntime's first session would otherwise
    // count in the first point's wall time, from which the sweep predicts the next ones.
    await scan(makeInputs(ctx.lab, shape(n[0]), 1), 'parallel');
    await ctx.lab.sweep({
      label: 'parallel scan (your code)',
      n,
      setup: (size) => makeInputs(ctx.lab, shape(size), 1),
      run: (x) => scan(x, 'parallel'),
      bytes: (size) => bytesOf(memory, size)
    });
    // The two analytic curves for a real layer's width, where the difference decides what fits.
    const { d, ns } = LAYER;
    const mib = (buffers: (n: number, d: number, ns: number) => { bytes: number }[]) =>
      n.map((s) => [s, buffers(s, d, ns).reduce((a, b) => a + b.bytes, 0) / 2 ** 20] as [number, number]);
    ctx.lab.plot({
      id: 'memory-forms',
      title: `Bytes of one scan for a Mamba layer, D = ${d} channels, N_s = ${ns} (analytic)`,
      x: { label: 'sequence length N', log: true },
      y: { label: 'MiB', log: true },
      series: [
        {
          label: 'materialised: deltaA and deltaB_u [N, D, N_s] (mamba-minimal)',
          dashed: true,
          points: mib(minimalBuffers)
        },
        {
          label: 'streamed: inputs and output only, the [D, N_s] state on chip',
          dashed: true,
          points: mib(streamedBuffers)
        }
      ]
    });
    await compareForms(ctx, scan, n, shape);
  }
};

/**
 * Sequential vs parallel time over N, on every other length. Each form stops when its next point
 * is predicted to overrun its share of the budget: the timed work grows with N (a little faster
 * than linearly), the rest of the wall time (inputs, uploads, graph sessions) is taken as fixed.
 */
async function compareForms(ctx: LessonContext, scan: Scan, ns: number[], shape: (n: number) => Shape): Promise<void> {
  const BUDGET_MS = 6000; // per form, wall clock
  const REPEATS = 3;
  const series: Record<Form, [number, number][]> = { sequential: [], parallel: [] };
  const lengths = ns.filter((_, i) => (ns.length - 1 - i) % 2 === 0); // ends with the longest
  for (const form of ['sequential', 'parallel'] as const) {
    const start = Date.now();
    let last: { n: number; work: number; rest: number } | null = null;
    for (const n of lengths) {
      if (last && Date.now() - start + last.rest + last.work * Math.pow(n / last.n, 1.2) > BUDGET_MS) break;
      const x = makeInputs(ctx.lab, shape(n), 1);
      const warmup: number = last ? 0 : 1; // the first call compiles shaders or starts onnxruntime
      const t0 = Date.now();
      const timing = await ctx.lab.time(() => scan(x, form), { warmup, repeats: REPEATS });
      const work: number = timing.medianMs * (warmup + REPEATS);
      last = { n, work, rest: Math.max(0, Date.now() - t0 - work) };
      series[form].push([n, timing.medianMs]);
      ctx.lab.plot({
        id: 'time-forms',
        title: `Sequential vs parallel scan, D = ${D}, N_s = ${NS}: time vs N`,
        x: { label: 'sequence length N', log: true },
        y: { label: `ms (median of ${REPEATS})`, log: true },
        series: [
          { label: 'sequential (streamed)', points: series.sequential },
          { label: 'parallel (scan over the associative operator)', points: series.parallel }
        ]
      });
    }
  }
}
