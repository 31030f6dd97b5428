/**
 * Lesson 01 checks: the learner's attention against the float64 reference (causal, several
 * shapes, including N = 1 and N not a multiple of the workgroup size), and their formula for the
 * bytes of the score matrix. The sweep times their attention over N on the page's backend.
 */
import type { Tensor } from 'lab';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type LessonHarness, bytesOf } from '$lib/lessons/types';
import { D, memory } from './memory';
import { reference } from './reference';

type Attention = (q: Tensor, k: Tensor, v: Tensor) => Promise<Tensor>;
type ScoreBytes = (n: number) => number;

const CASES = [
  { n: 1, d: 8 },
  { n: 7, d: 16 },
  { n: 100, d: 32 },
  { n: 130, d: 64 }
];
const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

export const harness: LessonHarness = {
  checks: [
    {
      id: 'output',
      title: 'Causal attention matches the float64 reference',
      run: (ctx) =>
        outcome(async () => {
          const attention = learnerFunction<Attention>(ctx, 'attention', 'attention(q, k, v): Promise<Tensor>');
          const { tensors } = ctx.lab;
          for (const [i, { n, d }] of CASES.entries()) {
            const q = tensors.randn([n, d], 10 + i);
            const k = tensors.randn([n, d], 20 + i);
            const v = tensors.randn([n, d], 30 + i);
            const o = await attention(q, k, v);
            if (!isTensor(o))
              throw new CheckFailure(`attention must return a Tensor { shape, data: Float32Array }, got ${String(o)}`);
            const c = tensors.compare(o, reference(q, k, v), TOLERANCE);
            if (!c.ok) {
              const nonCausal = tensors.compare(o, reference(q, k, v, false), TOLERANCE).ok;
              const hint = nonCausal
                ? ' Your output equals attention WITHOUT the causal mask: query i may only see keys j ≤ i.'
                : '';
              return { pass: false, message: `N = ${n}, d = ${d}: ${c.message}.${hint}` };
            }
          }
          return { pass: true, message: `matches the reference for N = ${CASES.map((c) => c.n).join(', ')}` };
        })
    },
    {
      id: 'score-bytes',
      title: 'scoreBytes(N) is the size of one head’s N×N float32 score matrix',
      run: (ctx) =>
        outcome(() => {
          const scoreBytes = learnerFunction<ScoreBytes>(ctx, 'scoreBytes', 'scoreBytes(n: number): number');
          for (const n of [1, 1024, 5792, 8192]) {
            const got = scoreBytes(n);
            const want = 4 * n * n;
            if (got !== want) {
              return {
                pass: false,
                message: `scoreBytes(${n}) returned ${got}; one float32 score per (query, key) pair needs ${want} bytes`
              };
            }
          }
          return { pass: true, message: 'scoreBytes(8192) = 268,435,456 bytes: 256 MiB for one head' };
        })
    }
  ],
  async sweep(ctx, n) {
    const attention = learnerFunction<Attention>(ctx, 'attention', 'attention(q, k, v): Promise<Tensor>');
    await ctx.lab.sweep({
      label: 'naive attention (your code)',
      n,
      setup: (size) => ({
        q: ctx.lab.tensors.randn([size, D], 1),
        k: ctx.lab.tensors.randn([size, D], 2),
        v: ctx.lab.tensors.randn([size, D], 3)
      }),
      run: ({ q, k, v }) => attention(q, k, v),
      bytes: (size) => bytesOf(memory, size)
    });
  }
};
