/**
 * Lesson 01 checks: the learner's attention against the float64 reference (causal, several
 * shapes, including N = 1 and N not a multiple of the workgroup size), with hints for attention
 * without the mask and for a mask that hides a query from itself; the same on scores large enough
 * that a softmax without its row maximum overflows; on WASM, from a probe of one call, that the
 * graph writes the row softmax out instead of calling onnxruntime's Softmax; and their formula
 * for the bytes of the score matrix. The output checks run on every backend, the simd one
 * (attention.as.ts) included. The sweep times their attention over N on the page's backend; on
 * simd, beside onnxruntime-web's naive graph (its wasm provider) on the same time chart.
 */
import type { Tensor } from 'lab';
import {
  type Message,
  cases,
  check,
  expectClose,
  expectNumber,
  fail,
  learner,
  listN,
  matches,
  messages,
  seeded,
  warmUp
} from '$lib/lessons/kit';
import { type Lab, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { naiveAttention, naiveOnnxBytes } from '$lib/baselines/naive-attention';
import { D, memory } from './memory';
import { reference } from './reference';

type Attention = (q: Tensor, k: Tensor, v: Tensor) => Promise<Tensor>;
type ScoreBytes = (n: number) => number;

const m = messages('01-attention', {
  'not-causal': 'Your output equals attention WITHOUT the causal mask: query i may only see keys j ≤ i.',
  zeros: 'Your attention returns only zeros: write the scores, the row softmax and the weighted sum of values.',
  'not-itself':
    'Row 0 must equal v_0, since query 0 sees only key 0, itself. Each query sees the keys j ≤ i: its own key included.',
  overflow:
    'Some outputs are NaN or infinite: e^s overflowed (or a whole row of weights underflowed to 0). Subtract each row’s own maximum from its scores before exp.',
  matches: 'matches the reference for {cases}',
  'stable-ok': 'matches the reference with scores up to {largest}, where e^s alone overflows float32',
  'builtin-softmax':
    'The graph calls onnxruntime’s built-in Softmax op: that is the part to write yourself, from the row maximum, exp and the row sum.',
  'no-row-max': 'The graph takes no maximum per row (no ReduceMax to shape [{n}, 1]): what keeps exp from overflowing?',
  'softmax-ok': 'the graph writes the row softmax out: {ops}',
  'score-bytes': 'scoreBytes({n}) returned {got}; one float32 score per (query, key) pair needs {want} bytes',
  'score-bytes-ok': 'scoreBytes(8192) = 268,435,456 bytes: 256 MiB for one head'
});

const ATTENTION = 'attention(q, k, v): Promise<Tensor>';
/** One invocation per query row, 64 per workgroup: N = 1 and N not a multiple of 64 are edge cases. */
const WORKGROUP = 64;
const CASES = cases(
  [
    { n: 1, d: 8 },
    { n: 7, d: 16 },
    { n: 100, d: 32 },
    { n: 130, d: 64 }
  ],
  { block: WORKGROUP, make: (n) => ({ n, d: 16 }) }
);
/** Queries scaled up so that scores reach ±100 and more: e^s overflows float32 above 88.7. */
const LARGE = [
  { n: 9, d: 16, scale: 40 },
  { n: 70, d: 16, scale: 40 }
];
const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

/** Known mistakes, recognised from the output: no mask, zeros, a row 0 that is not v_0, NaN. */
function hint(lab: Lab, t: Tensor, q: Tensor, k: Tensor, v: Tensor): Message | null {
  if (matches(lab, t, reference(q, k, v, false), TOLERANCE)) return m('not-causal');
  if (!t.data.every(Number.isFinite)) return m('overflow');
  if (t.data.every((x) => x === 0)) return m('zeros');
  const d = q.shape[1];
  const row0 = { shape: [1, d], data: v.data.subarray(0, d) };
  if (!matches(lab, { shape: [1, d], data: t.data.subarray(0, d) }, row0, TOLERANCE)) return m('not-itself');
  return null;
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'output',
      title: 'Causal attention matches the float64 reference',
      async run(ctx) {
        const attention = learner<Attention>(ctx, 'attention', ATTENTION);
        for (const [i, { n, d }] of CASES.entries()) {
          const { q, k, v } = seeded(ctx.lab, { q: [n, d], k: [n, d], v: [n, d] }, 10 * (i + 1));
          const o = await attention(q, k, v);
          expectClose(ctx.lab, o, reference(q, k, v), TOLERANCE, `N = ${n}, d = ${d}`, 'attention', (t) =>
            hint(ctx.lab, t, q, k, v)
          );
        }
        return m('matches', { cases: listN(CASES) });
      }
    }),
    check({
      id: 'stable',
      title: 'Large scores do not overflow the softmax',
      async run(ctx) {
        const attention = learner<Attention>(ctx, 'attention', ATTENTION);
        let largest = 0;
        for (const [i, { n, d, scale }] of LARGE.entries()) {
          const { q, k, v } = seeded(ctx.lab, { q: [n, d], k: [n, d], v: [n, d] }, 500 + 10 * i);
          q.data.forEach((x, j) => (q.data[j] = scale * x));
          const want = reference(q, k, v);
          largest = Math.max(largest, ...scoresOf(q, k).map(Math.abs));
          const o = await attention(q, k, v);
          expectClose(ctx.lab, o, want, TOLERANCE, `N = ${n}, d = ${d}, queries ×${scale}`, 'attention', (t) =>
            hint(ctx.lab, t, q, k, v)
          );
        }
        return m('stable-ok', { largest: `±${Math.round(largest)}` });
      }
    }),
    check({
      id: 'softmax-written-out',
      title: 'The WASM graph writes the row softmax out (row max, exp, row sum), not onnxruntime’s Softmax',
      backends: ['wasm'],
      async run(ctx) {
        const attention = learner<Attention>(ctx, 'attention', ATTENTION);
        const [n, d] = [100, 32];
        const { q, k, v } = seeded(ctx.lab, { q: [n, d], k: [n, d], v: [n, d] }, 7);
        const { record } = await ctx.probe(() => attention(q, k, v));
        const ops = record.graphs.flatMap((g) => g.ops);
        if (ops.includes('Softmax')) fail(m('builtin-softmax'));
        const rowMax = record.graphs.some((g) =>
          g.values.some((x) => x.name.startsWith('reducemax_') && x.shape.join() === `${n},1`)
        );
        if (!rowMax) fail(m('no-row-max', { n }));
        return m('softmax-ok', { ops: ops.join(', ') });
      }
    }),
    check({
      id: 'score-bytes',
      title: 'scoreBytes(N) is the size of one head’s N×N float32 score matrix',
      run(ctx) {
        const scoreBytes = learner<ScoreBytes>(ctx, 'scoreBytes', 'scoreBytes(n: number): number');
        for (const n of [1, 1024, 5792, 8192]) {
          const got = expectNumber(scoreBytes(n), `scoreBytes(${n})`);
          const want = 4 * n * n;
          if (got !== want) fail(m('score-bytes', { n, got, want }));
        }
        return m('score-bytes-ok');
      }
    })
  ],
  async sweep(ctx, n) {
    const { lab } = ctx;
    const attention = learner<Attention>(ctx, 'attention', ATTENTION);
    const setup = (size: number) => seeded(lab, { q: [size, D], k: [size, D], v: [size, D] }, 1);
    if (ctx.backend !== 'simd') {
      await lab.sweep({
        label: 'naive attention (your code)',
        n,
        setup,
        run: ({ q, k, v }) => attention(q, k, v),
        bytes: (size) => bytesOf(memory, size)
      });
      return;
    }
    // simd: your kernel on one CPU thread, beside onnxruntime-web running the same naive graph
    // (MatMul, Softmax, MatMul) on its wasm provider. Start onnxruntime first: its first run loads
    // and compiles its WebAssembly, which would count in the first point.
    const w = setup(64);
    await warmUp(lab, () => attention(w.q, w.k, w.v));
    await warmUp(lab, () => naiveAttention(lab, w.q, w.k, w.v));
    await lab.sweep({
      label: 'naive attention (your attention.as.ts, one thread)',
      n,
      setup,
      run: ({ q, k, v }) => attention(q, k, v),
      bytes: (size) => bytesOf(memory, size)
    });
    await lab.sweep({
      label: 'naive attention (onnxruntime-web graph)',
      n,
      setup,
      run: ({ q, k, v }) => naiveAttention(lab, q, k, v),
      bytes: (size) => {
        const total = naiveOnnxBytes(size, D);
        return { largest: total, total };
      }
    });
  }
};

/** The causal scores q_i · k_j / √d (j ≤ i), to report how large the stability case makes them. */
function scoresOf(q: Tensor, k: Tensor): number[] {
  const [n, d] = q.shape;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += q.data[i * d + c] * k.data[j * d + c];
      out.push(s / Math.sqrt(d));
    }
  }
  return out;
}
