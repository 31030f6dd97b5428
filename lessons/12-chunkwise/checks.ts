/**
 * Lesson 12 checks: the learner's chunkwise form against the float64 recurrent form, for
 * C = 16, 32 and 64 on lengths that are and are not multiples of C (N = 1, 7, C, C + 1, 3C − 5,
 * 4C, with dk ≠ dv), and at the two ends of the slider: C = 1 (the recurrent form) and C ≥ N (the
 * parallel form). The sweep times recurrent, parallel and chunkwise over N, then the learner's
 * chunkwise form over C at a fixed N, beside the analytic work and depth of each C.
 */
import type { Tensor } from 'lab';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { baselineMemory, parallel, recurrent } from './baselines';
import { CHUNK, D, memory } from './memory';
import { mistake, reference } from './reference';

type Chunkwise = (q: Tensor, k: Tensor, v: Tensor, chunkSize: number) => Promise<Tensor>;
type F64 = { shape: number[]; data: Float64Array };

/** N and C of the time-vs-C plot: C from 1 (the recurrent form, chunk by chunk) to N/16. */
const C_PLOT_N = 4096;
const C_PLOT_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const C_PLOT_BUDGET_MS = 8_000;

/**
 * Linear attention without a normaliser sums up to N terms of size about dk: its values and
 * their float32 rounding grow with N and dk, so the absolute tolerance scales with the largest
 * expected value (1e-5 of it); the relative one is the usual 1e-4 (SYLLABUS §5).
 */
function tolerance(expected: F64) {
  let max = 0;
  for (const x of expected.data) max = Math.max(max, Math.abs(x));
  return { atol: Number((1e-5 * Math.max(1, max)).toPrecision(2)), rtol: 1e-4 };
}

function inputs(ctx: LessonContext, n: number, dk: number, dv: number, seed: number) {
  const { tensors } = ctx.lab;
  return { q: tensors.randn([n, dk], seed), k: tensors.randn([n, dk], seed + 1), v: tensors.randn([n, dv], seed + 2) };
}

function diagnose(ctx: LessonContext, o: Tensor, q: Tensor, k: Tensor, v: Tensor, c: number): string {
  const like = (slips: { inclusive?: boolean; unmasked?: boolean; noState?: boolean }) => {
    const want = mistake(q, k, v, c, { inclusive: false, unmasked: false, noState: false, ...slips });
    return ctx.lab.tensors.compare(o, want, tolerance(want)).ok;
  };
  const inclusive =
    'the state that chunk c reads includes chunk c itself, so its tokens count twice (once through the state, once directly): S_[c−1] sums the chunks BEFORE c (an exclusive scan)';
  const unmasked =
    'inside a chunk, token t sees the later tokens of its chunk: the intra-chunk product needs the causal mask, s ≤ t';
  if (o.data.some((x) => Number.isNaN(x))) return ' Your output has NaN in it.';
  if (o.data.every((x) => x === 0)) return ' Your output is all zeros.';
  if (like({ inclusive: true })) return ` It looks like ${inclusive}.`;
  if (like({ unmasked: true })) return ` It looks like ${unmasked}.`;
  if (like({ inclusive: true, unmasked: true })) return ` Two slips: ${inclusive}; and ${unmasked}.`;
  if (like({ noState: true })) return ' Each chunk starts from an empty memory: add the inter-chunk term S_[c−1]ᵀ q_t.';
  return '';
}

async function compareChunkwise(ctx: LessonContext, c: number, cases: { n: number; dk: number; dv: number }[]) {
  const chunkwise = learnerFunction<Chunkwise>(ctx, 'chunkwise', 'chunkwise(q, k, v, chunkSize): Promise<Tensor>');
  for (const [i, { n, dk, dv }] of cases.entries()) {
    const { q, k, v } = inputs(ctx, n, dk, dv, 100 * c + 10 * i + 1);
    const o = await chunkwise(q, k, v, c);
    if (!isTensor(o))
      throw new CheckFailure(`chunkwise must return a Tensor { shape, data: Float32Array }, got ${String(o)}`);
    const want = reference(q, k, v);
    const cmp = ctx.lab.tensors.compare(o, want, tolerance(want));
    if (!cmp.ok) {
      const full = Math.floor(n / c);
      const rest = n % c;
      const chunks = !rest
        ? `${full} chunk${full > 1 ? 's' : ''} of ${c}`
        : full
          ? `${full} of ${c} and one of ${rest}`
          : `one chunk of ${rest}`;
      return {
        pass: false,
        message: `C = ${c}, N = ${n} (${chunks}), dk = ${dk}, dv = ${dv}: ${cmp.message}.${diagnose(ctx, o, q, k, v, c)}`
      };
    }
  }
  return null;
}

function chunkCheck(c: number) {
  const cases = [
    { n: 1, dk: 8, dv: 8 },
    { n: 7, dk: 16, dv: 8 },
    { n: c, dk: 16, dv: 16 },
    { n: c + 1, dk: 16, dv: 16 },
    { n: 3 * c - 5, dk: 32, dv: 16 },
    { n: 4 * c, dk: 16, dv: 32 }
  ];
  return {
    id: `chunk-${c}`,
    title: `Chunkwise with C = ${c} equals the recurrent form`,
    run: (ctx: LessonContext) =>
      outcome(async () => {
        const fail = await compareChunkwise(ctx, c, cases);
        return (
          fail ?? {
            pass: true,
            message: `matches for N = ${cases.map((x) => x.n).join(', ')} (multiples of ${c} and not)`
          }
        );
      })
  };
}

export const harness: LessonHarness = {
  checks: [
    chunkCheck(16),
    chunkCheck(32),
    chunkCheck(64),
    {
      id: 'slider-ends',
      title: 'The two ends of the slider: C = 1 is the recurrent form, C ≥ N the parallel form',
      run: (ctx) =>
        outcome(async () => {
          const shape = { n: 50, dk: 16, dv: 16 };
          const fail =
            (await compareChunkwise(ctx, 1, [shape])) ??
            (await compareChunkwise(ctx, 50, [shape])) ??
            (await compareChunkwise(ctx, 64, [shape]));
          return (
            fail ?? { pass: true, message: 'C = 1 (50 chunks of one token), C = 50 and C = 64 (one chunk) all match' }
          );
        })
    }
  ],
  async sweep(ctx, n) {
    const chunkwise = learnerFunction<Chunkwise>(ctx, 'chunkwise', 'chunkwise(q, k, v, chunkSize): Promise<Tensor>');
    const { lab } = ctx;
    const setup = (size: number) => inputs(ctx, size, D, D, 1);
    // Compile the shaders, start onnxruntime and let the JavaScript engine optimise the loops
    // before timing anything, so that N = 64 is not charged for them (nor the sweep's time
    // prediction misled).
    const tiny = setup(64);
    for (let i = 0; i < 3; i++) {
      await chunkwise(tiny.q, tiny.k, tiny.v, CHUNK);
      await recurrent(lab, tiny.q, tiny.k, tiny.v);
    }
    await parallel(lab, tiny.q, tiny.k, tiny.v);
    await lab.sweep({
      label: `chunkwise, C = ${CHUNK} (your code)`,
      n,
      setup,
      run: ({ q, k, v }) => chunkwise(q, k, v, CHUNK),
      bytes: (size) => bytesOf(memory, size)
    });
    await lab.sweep({
      label: 'recurrent',
      n,
      setup,
      run: ({ q, k, v }) => recurrent(lab, q, k, v),
      bytes: (size) => bytesOf(baselineMemory('recurrent', D), size)
    });
    await lab.sweep({
      label: 'parallel',
      n,
      setup,
      run: ({ q, k, v }) => parallel(lab, q, k, v),
      bytes: (size) => bytesOf(baselineMemory('parallel', D), size)
    });

    // Time against the chunk size at one N, within a budget of its own.
    const { q, k, v } = setup(C_PLOT_N);
    const measured: [number, number][] = [];
    const start = performance.now();
    for (const c of C_PLOT_SIZES) {
      if (performance.now() - start > C_PLOT_BUDGET_MS) {
        lab.log(`time vs C: stopped before C = ${c}, over its ${C_PLOT_BUDGET_MS / 1000} s budget`);
        break;
      }
      const t = await lab.time(() => chunkwise(q, k, v, c), { warmup: 0, repeats: 3 }); // warm already
      measured.push([c, t.medianMs]);
    }
    const rec = await lab.time(() => recurrent(lab, q, k, v), { warmup: 0, repeats: 3 });
    const ends = [C_PLOT_SIZES[0], C_PLOT_SIZES[C_PLOT_SIZES.length - 1]];
    lab.plot({
      id: 'time-vs-chunk',
      title: `Time vs chunk size C at N = ${C_PLOT_N}, d = ${D} (median of 3)`,
      x: { label: 'chunk size C', log: true },
      y: { label: 'time (ms)', log: true },
      series: [
        { label: 'chunkwise (your code)', points: measured },
        { label: 'recurrent, for reference', points: ends.map((c) => [c, rec.medianMs] as const), dashed: true }
      ]
    });
    // What a chunk size trades, from the formulas: work per token grows with C, the number of
    // steps that must run one after another (the scan, then the longest intra-chunk loop) is N/C + C.
    const flops = (c: number) => (c + 1) * 2 * D + 4 * D * D + (D * D) / c;
    lab.plot({
      id: 'chunk-tradeoff',
      title: `What C trades (analytic, N = ${C_PLOT_N}, dk = dv = ${D})`,
      x: { label: 'chunk size C', log: true },
      y: { label: 'count', log: true },
      series: [
        {
          label: 'FLOPs per token: (C + 1)(dk + dv) + 4·dk·dv + dk·dv/C',
          points: C_PLOT_SIZES.map((c) => [c, flops(c)] as const),
          dashed: true
        },
        {
          label: 'steps in a row: N/C + C',
          points: C_PLOT_SIZES.map((c) => [c, C_PLOT_N / c + c] as const),
          dashed: true
        }
      ]
    });
  }
};
