/**
 * Lesson 12 checks: the learner's chunkwise form against the float64 recurrent form, for C = 16,
 * 32 and 64 on lengths that are and are not multiples of C (N = 1, 7, C, C + 1, 3C − 5, 4C, with
 * dk ≠ dv), and at the two ends of the slider: C = 1 (the recurrent form) and C ≥ N (the parallel
 * form). A mismatch names the slip it looks like: a state that includes its own chunk, a missing
 * causal mask inside a chunk, or no inter-chunk term. The sweep times recurrent, parallel
 * (lesson 11's forms, src/lib/baselines) and chunkwise over N, then the learner's chunkwise form
 * over C at a fixed N, beside the analytic work and depth of each C.
 */
import type { Tensor } from 'lab';
import { type Message, cases, check, expectClose, learner, listN, messages, seeded, warmUp } from '$lib/lessons/kit';
import { type Lab, type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { linearAttention, linearAttentionMemory } from '$lib/baselines/linear-attention';
import { CHUNK, D, memory } from './memory';
import { type Slips, mistake, reference } from './reference';

type Chunkwise = (q: Tensor, k: Tensor, v: Tensor, chunkSize: number) => Promise<Tensor>;
type F64 = { shape: number[]; data: Float64Array };
interface Case {
  n: number;
  dk: number;
  dv: number;
}

const m = messages('12-chunkwise', {
  nan: 'Your output has NaN in it.',
  zeros: 'Your output is all zeros.',
  inclusive:
    'It looks like the state that chunk c reads includes chunk c itself, so its tokens count twice (once through the state, once directly): S_[c−1] sums the chunks BEFORE c (an exclusive scan).',
  unmasked:
    'It looks like inside a chunk, token t sees the later tokens of its chunk: the intra-chunk product needs the causal mask, s ≤ t.',
  'inclusive-and-unmasked':
    'Two slips: the state that chunk c reads includes chunk c itself (S_[c−1] sums the chunks BEFORE c, an exclusive scan); and inside a chunk, token t sees the later tokens of its chunk (the intra-chunk product needs the causal mask, s ≤ t).',
  'no-state': 'Each chunk starts from an empty memory: add the inter-chunk term S_[c−1]ᵀ q_t.',
  matches: 'matches for {cases} (multiples of {c} and not)',
  'slider-ends': 'C = 1 (50 chunks of one token), C = 50 and C = 64 (one chunk) all match',
  'c-plot-stopped': 'time vs C: stopped before C = {c}, over its {seconds} s budget'
});

const SIGNATURE = 'chunkwise(q, k, v, chunkSize): Promise<Tensor>';

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

const inputs = (lab: Lab, { n, dk, dv }: Case, seed: number) =>
  seeded(lab, { q: [n, dk], k: [n, dk], v: [n, dv] }, seed);

/** The slip the output looks like, or null. */
function diagnose(lab: Lab, o: Tensor, q: Tensor, k: Tensor, v: Tensor, c: number): Message | null {
  const like = (slips: Partial<Slips>) => {
    const want = mistake(q, k, v, c, { inclusive: false, unmasked: false, noState: false, ...slips });
    return lab.tensors.compare(o, want, tolerance(want)).ok;
  };
  if (o.data.some((x) => Number.isNaN(x))) return m('nan');
  if (o.data.every((x) => x === 0)) return m('zeros');
  if (like({ inclusive: true })) return m('inclusive');
  if (like({ unmasked: true })) return m('unmasked');
  if (like({ inclusive: true, unmasked: true })) return m('inclusive-and-unmasked');
  if (like({ noState: true })) return m('no-state');
  return null;
}

/** How N tokens cut into chunks of C, for messages: "2 of 16 and one of 3". */
function chunking(n: number, c: number): string {
  const full = Math.floor(n / c);
  const rest = n % c;
  if (!rest) return `${full} chunk${full > 1 ? 's' : ''} of ${c}`;
  return full ? `${full} of ${c} and one of ${rest}` : `one chunk of ${rest}`;
}

/** Fail unless the learner's chunkwise form with chunk size c matches the reference on every case. */
async function expectChunkwise(ctx: LessonContext, c: number, list: readonly Case[]): Promise<void> {
  const chunkwise = learner<Chunkwise>(ctx, 'chunkwise', SIGNATURE);
  for (const [i, shape] of list.entries()) {
    const { n, dk, dv } = shape;
    const { q, k, v } = inputs(ctx.lab, shape, 100 * c + 10 * i + 1);
    const want = reference(q, k, v);
    expectClose(
      ctx.lab,
      await chunkwise(q, k, v, c),
      want,
      tolerance(want),
      `C = ${c}, N = ${n} (${chunking(n, c)}), dk = ${dk}, dv = ${dv}`,
      'chunkwise',
      (o) => diagnose(ctx.lab, o, q, k, v, c)
    );
  }
}

function chunkCheck(c: number) {
  const list = cases(
    [
      { n: 1, dk: 8, dv: 8 },
      { n: 7, dk: 16, dv: 8 },
      { n: c, dk: 16, dv: 16 },
      { n: c + 1, dk: 16, dv: 16 },
      { n: 3 * c - 5, dk: 32, dv: 16 },
      { n: 4 * c, dk: 16, dv: 32 }
    ],
    { block: c, make: (n) => ({ n, dk: 16, dv: 16 }) }
  );
  return check({
    id: `chunk-${c}`,
    title: `Chunkwise with C = ${c} equals the recurrent form`,
    async run(ctx) {
      await expectChunkwise(ctx, c, list);
      return m('matches', { cases: listN(list), c });
    }
  });
}

export const harness: LessonHarness = {
  checks: [
    chunkCheck(16),
    chunkCheck(32),
    chunkCheck(64),
    check({
      id: 'slider-ends',
      title: 'The two ends of the slider: C = 1 is the recurrent form, C ≥ N the parallel form',
      async run(ctx) {
        const shape = { n: 50, dk: 16, dv: 16 };
        for (const c of [1, 50, 64]) await expectChunkwise(ctx, c, [shape]);
        return m('slider-ends');
      }
    })
  ],
  async sweep(ctx, n) {
    const chunkwise = learner<Chunkwise>(ctx, 'chunkwise', SIGNATURE);
    const { lab } = ctx;
    const setup = (size: number) => inputs(lab, { n: size, dk: D, dv: D }, 1);
    const recurrent = ({ q, k, v }: ReturnType<typeof setup>) => linearAttention(lab, 'recurrent', q, k, v);
    const parallel = ({ q, k, v }: ReturnType<typeof setup>) => linearAttention(lab, 'parallel', q, k, v);
    // Compile the shaders, start onnxruntime and let the JavaScript engine optimise the loops
    // before timing anything, so that N = 64 is not charged for them (nor the sweep's time
    // prediction misled).
    const tiny = setup(64);
    for (let i = 0; i < 3; i++) {
      await warmUp(lab, () => chunkwise(tiny.q, tiny.k, tiny.v, CHUNK));
      await warmUp(lab, () => recurrent(tiny));
    }
    await warmUp(lab, () => parallel(tiny));
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
      run: recurrent,
      bytes: (size) => bytesOf(linearAttentionMemory('recurrent', D), size)
    });
    await lab.sweep({
      label: 'parallel',
      n,
      setup,
      run: parallel,
      bytes: (size) => bytesOf(linearAttentionMemory('parallel', D), size)
    });

    // Time against the chunk size at one N, within a budget of its own.
    const big = setup(C_PLOT_N);
    const measured: [number, number][] = [];
    const start = performance.now();
    for (const c of C_PLOT_SIZES) {
      if (performance.now() - start > C_PLOT_BUDGET_MS) {
        lab.log(m('c-plot-stopped', { c, seconds: C_PLOT_BUDGET_MS / 1000 }).text);
        break;
      }
      const t = await lab.time(() => chunkwise(big.q, big.k, big.v, c), { warmup: 0, repeats: 3 }); // warm already
      measured.push([c, t.medianMs]);
    }
    const rec = await lab.time(() => recurrent(big), { warmup: 0, repeats: 3 });
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
