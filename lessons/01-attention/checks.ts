/**
 * Lesson 01 checks: the learner's attention against the float64 reference (causal, several
 * shapes, including N = 1 and N not a multiple of the workgroup size), with a hint when the output
 * is attention without the mask, and their formula for the bytes of the score matrix. The sweep
 * times their attention over N on the page's backend.
 */
import type { Tensor } from 'lab';
import {
  cases,
  check,
  expectClose,
  expectNumber,
  fail,
  learner,
  listN,
  matches,
  messages,
  seeded
} from '$lib/lessons/kit';
import { type LessonHarness, bytesOf } from '$lib/lessons/types';
import { D, memory } from './memory';
import { reference } from './reference';

type Attention = (q: Tensor, k: Tensor, v: Tensor) => Promise<Tensor>;
type ScoreBytes = (n: number) => number;

const m = messages('01-attention', {
  'not-causal': 'Your output equals attention WITHOUT the causal mask: query i may only see keys j ≤ i.',
  matches: 'matches the reference for {cases}',
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
const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

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
            matches(ctx.lab, t, reference(q, k, v, false), TOLERANCE) ? m('not-causal') : null
          );
        }
        return m('matches', { cases: listN(CASES) });
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
    const attention = learner<Attention>(ctx, 'attention', ATTENTION);
    await ctx.lab.sweep({
      label: 'naive attention (your code)',
      n,
      setup: (size) => seeded(ctx.lab, { q: [size, D], k: [size, D], v: [size, D] }, 1),
      run: ({ q, k, v }) => attention(q, k, v),
      bytes: (size) => bytesOf(memory, size)
    });
  }
};
