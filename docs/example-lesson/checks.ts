/**
 * Checks: the learner's softmax against the float64 reference on rows of small scores and of
 * scores large enough that e^s overflows float32. The sweep times it over N.
 */
import type { Tensor } from 'lab';
import { check, expectClose, learner, listN, messages, seeded } from '$lib/lessons/kit';
import { type LessonHarness, bytesOf } from '$lib/lessons/types';
import { memory } from './memory';
import { reference } from './reference';

type Softmax = (scores: Tensor) => Tensor;

const m = messages('00-row-softmax', {
  overflow: 'e^s overflowed: subtract the row maximum from every score before exponentiating.',
  matches: 'matches the float64 reference for {cases}, with scores up to {largest}'
});
const TOLERANCE = { atol: 1e-6, rtol: 1e-5 };
const CASES = [
  { n: 1, scale: 1 },
  { n: 7, scale: 1 },
  { n: 100, scale: 1 },
  { n: 100, scale: 300 }
];

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'softmax',
      title: 'softmax matches the float64 reference, even for large scores',
      run(ctx) {
        const softmax = learner<Softmax>(ctx, 'softmax', 'softmax(scores: Tensor): Tensor');
        let largest = 0;
        for (const [i, { n, scale }] of CASES.entries()) {
          const { s } = seeded(ctx.lab, { s: [n] }, 10 + i);
          s.data.forEach((x, j) => (s.data[j] = scale * x));
          largest = Math.max(largest, ...s.data.map(Math.abs));
          expectClose(
            ctx.lab,
            softmax(s),
            reference(s.data),
            TOLERANCE,
            `N = ${n}, scores ×${scale}`,
            'softmax',
            (t) => (t.data.some(Number.isNaN) ? m('overflow') : null)
          );
        }
        return m('matches', { cases: listN(CASES), largest: `±${Math.round(largest)}` });
      }
    })
  ],
  async sweep(ctx, n) {
    const softmax = learner<Softmax>(ctx, 'softmax', 'softmax(scores: Tensor): Tensor');
    await ctx.lab.sweep({
      label: 'softmax (your code)',
      n,
      setup: (size) => ctx.lab.tensors.randn([size], 1),
      run: (s) => softmax(s),
      bytes: (size) => bytesOf(memory, size)
    });
  }
};
