/**
 * Lesson 12 checks: the learner's chunkwise form against the float64 recurrent form, for C = 16,
 * 32 and 64 on lengths that are and are not multiples of C (N = 1, 7, C, C + 1, 3C − 5, 4C, with
 * dk ≠ dv), and at the two ends of the slider: C = 1 (the recurrent form) and C ≥ N (the parallel
 * form). A mismatch names the slip it looks like: a state that includes its own chunk, a missing
 * causal mask inside a chunk (or one that hides t from itself), no inter-chunk or no intra-chunk
 * term. A probe then records what one call allocates (buffers, tensors, ONNX graph values): no
 * N×N matrix (the parallel form handed in for the chunkwise one), and no more than one dk×dv
 * state per chunk (not one per token, the recurrent form with its states kept). The sweep times recurrent, parallel
 * (lesson 11's forms, src/lib/baselines) and chunkwise over N, then the learner's chunkwise form
 * over C at a fixed N, beside the analytic work and depth of each C.
 */
import type { Tensor } from 'lab';
import {
  type Message,
  cases,
  check,
  expectClose,
  fail,
  largestAllocation,
  learner,
  listN,
  messages,
  seeded,
  totalBytes,
  warmUp
} from '$lib/lessons/kit';
import { formatBytes } from '$lib/bench/format';
import { type Lab, type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { linearAttention, linearAttentionMemory } from '$lib/baselines/linear-attention';
import { CHUNK, D, memory } from './memory';
import { type Slips, mistake, reference } from './reference';
import { depth } from './sweep';

type Chunkwise = (q: Tensor, k: Tensor, v: Tensor, chunkSize: number) => Promise<Tensor>;
type F64 = { shape: number[]; data: Float64Array };
interface Case {
  n: number;
  dk: number;
  dv: number;
}

const m = messages('12-chunkwise', {
  nan: 'Your output has NaN in it.',
  zeros:
    'Your output is all zeros: row t of o needs the earlier chunks, through the state before its chunk, and the earlier tokens of its own chunk, directly.',
  'self-excluded':
    'It looks like inside a chunk, token t does not see itself: the intra-chunk product runs over s ≤ t, t included.',
  'no-intra':
    "It looks like token t sees only the earlier chunks: add the intra-chunk term, its own chunk's tokens s ≤ t, directly.",
  inclusive:
    'It looks like the state that chunk c reads includes chunk c itself, so its tokens count twice (once through the state, once directly): S_[c−1] sums the chunks BEFORE c (an exclusive scan).',
  unmasked:
    'It looks like inside a chunk, token t sees the later tokens of its chunk: the intra-chunk product needs the causal mask, s ≤ t.',
  'inclusive-and-unmasked':
    'Two slips: the state that chunk c reads includes chunk c itself (S_[c−1] sums the chunks BEFORE c, an exclusive scan); and inside a chunk, token t sees the later tokens of its chunk (the intra-chunk product needs the causal mask, s ≤ t).',
  'no-state': 'Each chunk starts from an empty memory: add the inter-chunk term S_[c−1]ᵀ q_t.',
  matches: 'matches for {cases} (multiples of {c} and not)',
  'slider-ends': 'C = 1 (50 chunks of one token), C = 50 and C = 64 (one chunk) all match',
  'n-by-n':
    'At N = {n}, C = {c}, chunkwise made {what}: that grows with N², like the parallel form. The chunkwise form never holds more than a C×C block of scores: earlier chunks reach a token through the state.',
  'state-per-token':
    'At N = {n}, C = {c}, dk = dv = {d}, chunkwise allocated {total}: more than one dk×dv state per chunk and a running one ({chunks} states, {states}) and two copies of q, k, v and o ({io}) take. A state per token is the recurrent form with its states kept; the chunkwise form keeps only the state before each chunk.',
  'memory-ok':
    'at N = {n}, C = {c}, dk = dv = {d}: {total} in all (one state per chunk: {states}), the largest {largest}; the N×N scores alone would take {scores}',
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
  if (like({ selfExcluded: true })) return m('self-excluded');
  if (like({ noIntra: true })) return m('no-intra');
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
  // N = C + 1 comes first: two chunks, so a missing intra-chunk term or a mask that hides t from
  // itself is not all zeros there (with a single chunk both are), and the hint can name it.
  const list = cases(
    [
      { n: c + 1, dk: 16, dv: 16 },
      { n: 1, dk: 8, dv: 8 },
      { n: 7, dk: 16, dv: 8 },
      { n: c, dk: 16, dv: 16 },
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

/**
 * What one call allocates, at N = 2048, C = 16, dk = dv = 16: no single allocation of N² bytes (a
 * quarter of the N×N float32 scores, 4 MiB; the chunk states take 128 KiB), and in all no more than
 * one state per chunk (and one running state) plus two copies of q, k, v and o (1 MiB). A state
 * per token would take 2 MiB on its own: it passes the first test and fails the second.
 */
const memoryCheck = check({
  id: 'chunk-memory',
  title: 'The chunkwise form keeps one state per chunk and no N×N matrix',
  async run(ctx) {
    const chunkwise = learner<Chunkwise>(ctx, 'chunkwise', SIGNATURE);
    const [n, c, d] = [2048, 16, 16];
    const { q, k, v } = inputs(ctx.lab, { n, dk: d, dv: d }, 9);
    const { record } = await ctx.probe(() => chunkwise(q, k, v, c));
    const big = largestAllocation(record);
    if (big && big.bytes >= n * n) fail(m('n-by-n', { n, c, what: big.text }));
    const chunks = Math.ceil(n / c);
    const states = 4 * (chunks + 1) * d * d;
    const io = 2 * 4 * n * (d + d + d + d);
    const total = totalBytes(record);
    const params = {
      n,
      c,
      d,
      chunks: chunks + 1,
      states: formatBytes(states),
      io: formatBytes(io),
      total: formatBytes(total)
    };
    if (total > states + io) fail(m('state-per-token', params));
    return m('memory-ok', { ...params, largest: big?.text ?? 'nothing', scores: formatBytes(4 * n * n) });
  }
});

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
    }),
    memoryCheck
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
    const timed = await lab.sweep({
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
    // Steps in a row against N, chunkwise (counted from probes) beside recurrent (sweep.ts).
    await depth(ctx, chunkwise, timed, CHUNK);

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
