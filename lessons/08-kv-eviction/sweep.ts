/**
 * Lesson 08's sweep: your decode loop with an H2O cache of BUDGET tokens, timed beside the same
 * loop with a window as long as the sequence (a full KV cache). The evicting cache's bytes stay
 * flat, the full cache's grow like N. Then a chart of the attention mass the kept keys retain,
 * against the budget, for window only, sinks + window and H2O, on the sink-like input of check 4.
 */
import type { Tensor } from 'lab';
import { learner, seeded, warmUp } from '$lib/lessons/kit';
import type { Lab, LessonContext } from '$lib/lessons/types';
import { BUDGET, D, evictingBytes, fullBytes } from './memory';
import { type Policy, referenceDecode, sinkInputs } from './reference';

type Decode = (q: Tensor, k: Tensor, v: Tensor, policy: Policy) => { o: Tensor; kept: number[] };

const inputs = (lab: Lab, n: number, seed = 1) => seeded(lab, { q: [n, D], k: [n, D], v: [n, D] }, seed);

/** Mass retained against budget: N = 128, d = 16, the sink-like input of check 4. */
export function massCurves(lab: Lab): { label: string; points: [number, number][] }[] {
  const { q, k, v } = seeded(lab, { q: [128, 16], k: [128, 16], v: [128, 16] }, 80);
  sinkInputs(q, k);
  const budgets = [8, 16, 32, 64];
  const curve = (label: string, make: (b: number) => Policy) => ({
    label,
    points: budgets.map((b): [number, number] => [b, referenceDecode(q, k, v, make(b)).mass])
  });
  return [
    curve('sinks only (b − 1 sinks + the token itself)', (b) => ({ kind: 'sinks', sinks: b - 1, recent: 1 })),
    curve('window only', (b) => ({ kind: 'window', recent: b })),
    curve('sinks (4) + window', (b) => ({ kind: 'sinks', sinks: 4, recent: b - 4 })),
    curve('H2O (half heavy, half recent)', (b) => ({ kind: 'h2o', heavy: b / 2, recent: b / 2 }))
  ];
}

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const { lab } = ctx;
  const decode = learner<Decode>(ctx, 'decode', 'decode(q, k, v, policy): { o, kept }');
  const x = inputs(lab, 64, 9);
  await warmUp(lab, () => decode(x.q, x.k, x.v, { kind: 'h2o', heavy: BUDGET / 2, recent: BUDGET / 2 }));
  await lab.sweep({
    label: `H2O cache, budget ${BUDGET}`,
    n,
    setup: (size) => inputs(lab, size),
    run: ({ q, k, v }) => decode(q, k, v, { kind: 'h2o', heavy: BUDGET / 2, recent: BUDGET / 2 }),
    bytes: () => ({ largest: evictingBytes(BUDGET, D), total: evictingBytes(BUDGET, D) })
  });
  await lab.sweep({
    label: 'full cache (window = N)',
    n,
    setup: (size) => inputs(lab, size),
    run: ({ q, k, v }) => decode(q, k, v, { kind: 'window', recent: q.shape[0] }),
    bytes: (size) => ({ largest: fullBytes(size, D), total: fullBytes(size, D) })
  });
  lab.plot({
    id: 'mass',
    title: 'Attention mass retained (mean over queries) against the cache budget, N = 128',
    x: { label: 'budget (tokens)', log: true },
    y: { label: 'fraction of full attention', log: false },
    series: massCurves(lab)
  });
}
