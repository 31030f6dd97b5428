/**
 * Lesson 02's sweep: ONE decode step timed with N tokens cached (the time and memory charts); the
 * achieved bandwidth of that step beside a plain copy of the same bytes, timed in the same run
 * ($lib/baselines/copy); and the cumulative generation time summed from the measured per-step times.
 * Cost: the sweep's own budget, plus up to 8 s of copies.
 */
import type { Tensor } from 'lab';
import { plotBandwidth } from '$lib/baselines/copy';
import { learner } from '$lib/lessons/kit';
import { type LessonContext, bytesOf } from '$lib/lessons/types';
import { D, memory } from './memory';

type CreateCache = (capacity: number, d: number) => unknown;
type Append = (cache: unknown, pos: number, k: Tensor, v: Tensor) => Promise<void>;
type DecodeStep = (cache: unknown, t: number, q: Tensor, k: Tensor, v: Tensor) => Promise<Tensor>;

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const { lab } = ctx;
  const createCache = learner<CreateCache>(ctx, 'createCache', 'createCache(capacity, d)');
  const append = learner<Append>(ctx, 'append', 'append(cache, pos, k, v): Promise<void>');
  const decodeStep = learner<DecodeStep>(ctx, 'decodeStep', 'decodeStep(cache, t, q, k, v): Promise<Tensor>');
  const wall = new Map<number, number[]>(); // wall-clock ms of every decode step, by N

  const results = await lab.sweep({
    label: 'decode step (your code)',
    n,
    // Not timed: a cache holding N tokens. The timed step overwrites token N − 1 and attends over all N.
    setup: async (size) => {
      const cache = createCache(size, D);
      await append(cache, 0, lab.tensors.randn([size, D], 1), lab.tensors.randn([size, D], 2));
      return {
        cache,
        q: lab.tensors.randn([1, D], 3),
        k: lab.tensors.randn([1, D], 4),
        v: lab.tensors.randn([1, D], 5)
      };
    },
    run: async ({ cache, q, k, v }, size) => {
      const t0 = performance.now();
      await decodeStep(cache, size - 1, q, k, v);
      wall.set(size, [...(wall.get(size) ?? []), performance.now() - t0]);
    },
    bytes: (size) => bytesOf(memory, size)
  });

  // The step reads both caches and q: at N = 64K that is 32 MiB, timed beside a copy of as many bytes.
  await plotBandwidth(ctx, {
    results,
    bytesRead: (size) => 4 * (2 * size * D + D),
    readLabel: 'K, V and q: 4·(2·N·d + d) bytes'
  });

  // Generating T tokens costs Σ_{t ≤ T} step(t). step(t) is read off the measured points
  // (linear in between, the first point's time below it): a sum of measurements, not a model.
  const median = (ms: number[]) => {
    const timed = ms.length > 1 ? ms.slice(1).sort((a, b) => a - b) : ms; // the first call warms up
    return timed[Math.floor(timed.length / 2)];
  };
  const steps = [...wall.entries()].map(([size, ms]) => [size, median(ms)] as const).sort((a, b) => a[0] - b[0]);
  if (steps.length < 2) return;
  const cumulative: [number, number][] = [[steps[0][0], (steps[0][0] * steps[0][1]) / 1000]];
  for (let i = 1; i < steps.length; i++) {
    const [n0, t0] = steps[i - 1];
    const [n1, t1] = steps[i];
    cumulative.push([n1, cumulative[i - 1][1] + ((t0 + t1) / 2000) * (n1 - n0)]); // ms → s
  }
  const [firstN, firstS] = cumulative[0];
  const [lastN, lastS] = cumulative[cumulative.length - 1];
  lab.plot({
    id: 'cumulative',
    title: 'Time to generate T tokens (sum of the measured per-step times)',
    x: { label: 'tokens generated T', log: true },
    y: { label: 'seconds (wall clock)', log: true },
    series: [
      { label: 'Σ of your decode steps', points: cumulative },
      {
        label: '∝ T² (guide through the last point)',
        dashed: true,
        points: cumulative.map(([t]) => [t, lastS * (t / lastN) ** 2])
      },
      {
        label: '∝ T (if every step cost as much as the first)',
        dashed: true,
        points: cumulative.map(([t]) => [t, firstS * (t / firstN)])
      }
    ]
  });
}
