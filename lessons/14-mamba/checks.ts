/**
 * Lesson 14 checks. (1) The sequential selective scan against the float64 reference in the
 * canonical convention (ZOH for A, Euler step for B), naming the typical mistakes when one of
 * them reproduces the output: Euler for A, exact ZOH for B, reading the state out before the
 * update, a missing D ⊙ u, a scan that never decays. (2) The parallel scan against the
 * sequential reference, on N = 1 and lengths that are not powers of 2, N_s = 1 among them.
 * (3) The ZOH-B toggle against an exact-ZOH float64 scan, with how far it moves y. (4, 5) The
 * structure, from the probes (structure.ts): ⌈log₂ N⌉ scan rounds, no [N, D, N_s] array in the
 * sequential form. On the simd backend the sequential form is scan.as.ts and the parallel form the
 * WASM graph (graph.ts): the same checks, with hints naming those files. The sweep
 * (sweep.ts) times the parallel form over N (on simd, the sequential scan.as.ts beside it), then
 * plots sequential vs parallel time and the analytic bytes of the materialised and streamed forms.
 */
import type { Tensor } from 'lab';
import {
  type Message,
  cases,
  check,
  expectClose,
  expectTensor,
  fail,
  join,
  learner,
  matches,
  messages
} from '$lib/lessons/kit';
import type { Backend, LessonContext, LessonHarness } from '$lib/lessons/types';
import { type Inputs, type ScanInputs, type Shape, type Variant, makeInputs, reference, variant } from './reference';
import { structureChecks } from './structure';
import { SIGNATURE, sweep } from './sweep';

type Form = 'sequential' | 'parallel';
type Scan = (x: Inputs, form?: Form, bRule?: 'euler' | 'zoh') => Promise<Tensor>;
type F64 = { shape: number[]; data: Float64Array };

const m = messages('14-mamba', {
  'euler-a': 'In {file}: ā looks like 1 + ΔA, an Euler step. Mamba holds A exactly (zero-order hold): ā = exp(ΔA).',
  'zoh-b':
    "In {file}: B is discretised with the exact zero-order hold, (exp(ΔA) − 1)/A · B·u. The reference (state-spaces/mamba's selective_scan_ref, mamba-minimal) takes the Euler step Δ·B·u: keep B_RULE = 'euler'.",
  'read-before':
    'In {file}: y_t reads the state before this token’s update (C_t · x_{t−1}); Mamba reads x_t, after it.',
  'no-skip': 'In {file}: the skip term D ⊙ u_t is missing from y_t.',
  'no-state':
    'In {file}: y_t is only the skip term D ⊙ u_t: the states never reach y. Each token moves the N_s states of its channel on, and y_t reads them out through C_t.',
  'no-decay':
    'In {file}: the b̄u add up without decaying, as in a plain prefix sum: a later step scales what came before it, so (a1, b1) ∘ (a2, b2) = (a1·a2, a2·b1 + b2).',
  'b-gap': 'On this input the two rules for B differ in y by up to {max}, where the largest |y| is {scale}.',
  'blow-up':
    '{where}: y is {value} at row {row}, column {col}. A state that blows up means |ā| > 1: ā = 1 + ΔA gets there once Δ > 2/|A|, while exp(ΔA) stays in (0, 1) for every Δ > 0.',
  'forms-agree':
    'Your parallel and sequential forms agree with each other but not with the reference: make the first check pass first.',
  'round-one':
    'Row 0 is right and row 1 is not: after the first round (offset 1), row 1 must hold steps 0 and 1 combined. Does that round run, and does it combine in this order? In {file}: applying (a1, b1) then (a2, b2) to x gives a2·(a1·x + b1) + b2.',
  'down-odd':
    'Rows 0 … {below} are right and row {row}, an odd step, is the first wrong one. In {file}: on the way down, the state before step 2i + 1 is the state before pair i moved on by step 2i.',
  'down-one':
    'Row 0 is right and row 1 is not. In {file}: on the way down, the state before step 2i + 1 is the state before pair i moved on by step 2i.',
  'rounds-stop':
    'Rows 0 … {below} are right and row {row} is the first wrong one: rounds with offsets 1 … {offset} complete only the rows below {row}. Do the rounds go on while offset < N?',
  operator:
    'In {file}: check the operator (applying (a1, b1) then (a2, b2) to x gives a2·(a1·x + b1) + b2), and that the discretisation is the sequential form’s.',
  'fix-sequential-first':
    "{where}: with bRule = 'euler' it does not match the reference either. Make the first check pass first; this one changes only b̄u.",
  'fix-parallel-first':
    "{where}: with bRule = 'euler' it does not match the reference either. Make the parallel check pass first; this one changes only b̄u.",
  'still-euler': "In {file}: with bRule = 'zoh' it still takes the Euler step Δ·B·u.",
  'sequential-ok': 'matches the float64 reference for {cases} (one without D)',
  'parallel-ok': 'parallel = sequential for N = {cases}, N_s = 1 among them',
  'zoh-ok':
    "exact ZOH for B is right in both forms. On this input (Δ = softplus(N(0, 1)), A = −1 … −16) it moves y by up to {max}, where the largest |y| is {scale}: far beyond rounding, so test vectors must use the rule of the code they test (Euler, in Mamba's)."
});

// float32 against float64 over recurrences up to N = 1000 (SYLLABUS §5: long recurrences ≤ 1024).
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
// `cases` keeps N = 1 and a length that is not a multiple of the kernels' 64-wide workgroups.
const edge = { block: 64, make: (n: number): Shape => ({ n, d: 2, ns: 4 }) };
// N = 1 comes last: with one token, reading the state out before the update leaves y = D ⊙ u,
// which says nothing about which mistake it was.
const SEQUENTIAL = cases<Shape>(
  [
    { n: 7, d: 3, ns: 4 },
    { n: 64, d: 4, ns: 16, skip: false },
    { n: 1000, d: 2, ns: 8 },
    { n: 1, d: 1, ns: 1 }
  ],
  edge
);
// N = 1, 2 and lengths that are not powers of 2, with a single state (N_s = 1) among them.
const PARALLEL = cases<Shape>(
  [
    { n: 1, d: 1, ns: 1 },
    { n: 2, d: 1, ns: 1 },
    { n: 3, d: 2, ns: 1 },
    { n: 5, d: 1, ns: 4 },
    { n: 7, d: 3, ns: 1 },
    { n: 100, d: 2, ns: 4 },
    { n: 1000, d: 2, ns: 16 }
  ],
  edge
);
const ZOH_SHAPE: Shape = { n: 64, d: 4, ns: 16 };

const label = ({ n, d, ns }: Shape) => `N = ${n}, D = ${d}, N_s = ${ns}`;

/** The learner's files that hold each part, per backend and form, so that hints say where to look. */
function fileOf(backend: Backend, form: Form, part: 'discretise' | 'scan'): string {
  if (backend === 'webgpu')
    return part === 'discretise' ? 'discretise.wgsl' : form === 'sequential' ? 'scan.wgsl' : 'pscan.wgsl';
  if (backend === 'simd') return form === 'sequential' ? 'scan.as.ts' : 'graph.ts';
  return form === 'sequential' ? 'cpu.ts' : 'graph.ts';
}

const scanFn = (ctx: LessonContext) => learner<Scan>(ctx, 'selectiveScan', SIGNATURE);

/** y = selectiveScan(x, form[, bRule]) as an [N, D] tensor. */
async function run(ctx: LessonContext, x: Inputs, form: Form, bRule?: 'euler' | 'zoh'): Promise<Tensor> {
  const scan = scanFn(ctx);
  const y = bRule === undefined ? await scan(x, form) : await scan(x, form, bRule);
  return expectTensor(y, x.u.shape, `selectiveScan (${form} form)`);
}

/** y, or a failure when it holds NaN or ±Infinity: a state that blows up. */
function finite(y: Tensor, shape: Shape): Tensor {
  const bad = y.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const [row, col] = [Math.floor(bad / shape.d), bad % shape.d];
    fail(m('blow-up', { where: label(shape), value: y.data[bad], row, col }));
  }
  return y;
}

/** Largest |a − b| and largest |b|, for saying how far two outputs are apart. */
function gap(a: F64, b: F64): { max: string; scale: string } {
  let max = 0;
  let scale = 0;
  for (let i = 0; i < a.data.length; i++) {
    max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  return { max: max.toPrecision(3), scale: scale.toPrecision(3) };
}

/** The typical mistakes: a switch of the float64 `variant`, the part it sits in, and what to say. */
type Mistake = 'euler-a' | 'zoh-b' | 'read-before' | 'no-skip' | 'no-decay';
const MISTAKES: { key: keyof Variant; value: string | boolean; part: 'discretise' | 'scan'; hint: Mistake }[] = [
  { key: 'a', value: 'euler', part: 'discretise', hint: 'euler-a' },
  { key: 'b', value: 'zoh', part: 'discretise', hint: 'zoh-b' },
  { key: 'readout', value: 'before', part: 'scan', hint: 'read-before' },
  { key: 'skip', value: false, part: 'scan', hint: 'no-skip' },
  { key: 'decay', value: false, part: 'scan', hint: 'no-decay' }
];

/** Which combination of the typical mistakes reproduces y, as located hints; empty when none does. */
function diagnose(ctx: LessonContext, y: Tensor, x: ScanInputs, form: Form): Message[] {
  for (let mask = 1; mask < 1 << MISTAKES.length; mask++) {
    const chosen = MISTAKES.filter((_, i) => mask & (1 << i));
    const v: Partial<Variant> = Object.fromEntries(chosen.map((k) => [k.key, k.value]));
    if (!matches(ctx.lab, y, variant(x, v), TOLERANCE)) continue;
    const hints = chosen.map((k) => m(k.hint, { file: fileOf(ctx.backend, form, k.part) }));
    if (v.b === 'zoh') hints.push(m('b-gap', gap(variant(x, { b: 'zoh' }), reference(x))));
    return hints;
  }
  return [];
}

/** What to say about a parallel form that is wrong in no recognised way; t is the first wrong row. */
async function scanHint(ctx: LessonContext, x: Inputs, y: Tensor, t: number): Promise<Message> {
  const file = fileOf(ctx.backend, 'parallel', 'scan');
  if (matches(ctx.lab, y, await run(ctx, x, 'sequential'), TOLERANCE)) return m('forms-agree');
  if (ctx.backend !== 'webgpu' && t % 2 === 1) {
    return t === 1 ? m('down-one', { file }) : m('down-odd', { below: t - 1, row: t, file });
  }
  if (ctx.backend === 'webgpu' && t === 1) return m('round-one', { file });
  if (ctx.backend === 'webgpu' && t > 1 && (t & (t - 1)) === 0) {
    return m('rounds-stop', { below: t - 1, row: t, offset: t / 2 });
  }
  return m('operator', { file });
}

/** Several hints as one message (each part keeps its key, so a translation renders them all). */
const texts = (hints: Message[]) => (hints.length > 0 ? join(hints[0], ...hints.slice(1)) : null);

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'selective-scan',
      title: 'The sequential scan matches selective_scan_ref (ZOH for A, Euler step for B)',
      async run(ctx) {
        for (const [i, shape] of SEQUENTIAL.entries()) {
          const x = makeInputs(ctx.lab, shape, 100 + 10 * i);
          const y = finite(await run(ctx, x, 'sequential'), shape);
          expectClose(ctx.lab, y, reference(x), TOLERANCE, label(shape), 'selectiveScan', () =>
            matches(
              ctx.lab,
              y,
              variant({ ...x, C: { shape: x.C.shape, data: new Float32Array(x.C.data.length) } }),
              TOLERANCE
            )
              ? m('no-state', { file: fileOf(ctx.backend, 'sequential', 'scan') })
              : texts(diagnose(ctx, y, x, 'sequential'))
          );
        }
        return m('sequential-ok', { cases: SEQUENTIAL.map(label).join('; ') });
      }
    }),
    check({
      id: 'parallel-scan',
      title: 'The parallel scan equals the sequential scan (N = 1, N not a power of 2, N_s = 1)',
      async run(ctx) {
        for (const [i, shape] of PARALLEL.entries()) {
          const x = makeInputs(ctx.lab, shape, 200 + 10 * i);
          const y = finite(await run(ctx, x, 'parallel'), shape);
          const want = reference(x, 'sequential');
          if (matches(ctx.lab, y, want, TOLERANCE)) continue;
          const hints = diagnose(ctx, y, x, 'parallel');
          if (hints.length === 0) {
            const row = Math.floor(ctx.lab.tensors.compare(y, want, TOLERANCE).firstMismatch / shape.d);
            hints.push(await scanHint(ctx, x, y, row));
          }
          expectClose(ctx.lab, y, want, TOLERANCE, label(shape), 'selectiveScan', () => texts(hints));
        }
        return m('parallel-ok', { cases: PARALLEL.map((s) => s.n).join(', ') });
      }
    }),
    check({
      id: 'zoh-b',
      title: "The toggle bRule = 'zoh' holds B exactly: b̄u = (exp(ΔA) − 1)/A · B·u",
      async run(ctx) {
        const x = makeInputs(ctx.lab, ZOH_SHAPE, 300);
        const exact = variant(x, { b: 'zoh' });
        for (const form of ['sequential', 'parallel'] as const) {
          const y = await run(ctx, x, form, 'zoh');
          if (matches(ctx.lab, y, exact, TOLERANCE)) continue;
          const where = `${label(ZOH_SHAPE)}, ${form} form`;
          if (!matches(ctx.lab, await run(ctx, x, form, 'euler'), reference(x), TOLERANCE)) {
            fail(m(form === 'sequential' ? 'fix-sequential-first' : 'fix-parallel-first', { where }));
          }
          const stillEuler = matches(ctx.lab, y, reference(x), TOLERANCE);
          const file = fileOf(ctx.backend, form, 'discretise');
          expectClose(ctx.lab, y, exact, TOLERANCE, `${where}, bRule = 'zoh'`, 'selectiveScan', () =>
            stillEuler ? m('still-euler', { file }) : null
          );
        }
        return m('zoh-ok', gap(exact, reference(x)));
      }
    }),
    ...structureChecks
  ],
  sweep
};
