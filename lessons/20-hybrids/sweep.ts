/**
 * Lesson 20's sweep: the learner's schedule for four 8-layer stacks (pure Transformer, the 1:7
 * Jamba block, a Samba-like SWA hybrid, pure SSM), each run through the learner's runStack on the
 * real kernels (stack.ts) and timed over N; then the cache each kept, measured from the lab's
 * allocations in one probed run per N, on a second chart.
 * Cost: the pure Transformer's 8 attention layers dominate (O(N²·d) each); the SSM stack is O(N·d·N_s)
 * per layer. Points past the time budget are skipped by the sweep, and left off the cache chart.
 */
import type { Tensor } from 'lab';
import { learner, warmUp } from '$lib/lessons/kit';
import type { LessonContext } from '$lib/lessons/types';
import { flashAttentionMemory } from '$lib/baselines/flash-attention';
import { slidingWindowMemory } from '$lib/baselines/sliding-window';
import { selectiveScanMemory } from '$lib/baselines/selective-scan';
import { D, LAYERS, NS, W } from './memory';
import type { HybridConfig, Layer } from './reference';
import { type Mixers, makeMixers, stackCounts } from './stack';

type Schedule = (config: HybridConfig) => Layer[];
type RunStack = (layers: Layer[], x: Tensor, mixers: Mixers) => Promise<Tensor>;

const base = { layers: LAYERS, expertPeriod: 2, expertOffset: 1, recurrent: 'mamba' } as const;

/** The four stacks of the charts, as configurations for the learner's schedule. */
export const STACKS: { label: string; config: HybridConfig }[] = [
  { label: 'pure Transformer (8 attention)', config: { ...base, attnPeriod: 1, attnOffset: 0 } },
  { label: '1:7 hybrid (Jamba block)', config: { ...base, attnPeriod: 8, attnOffset: 4 } },
  { label: `SWA hybrid (Samba-like, w = ${W})`, config: { ...base, attnPeriod: 2, attnOffset: 1, window: W } },
  { label: 'pure SSM (8 Mamba)', config: { ...base, attnPeriod: 0, attnOffset: 0 } }
];

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const { lab } = ctx;
  const schedule = learner<Schedule>(ctx, 'schedule', 'schedule(config: HybridConfig): Layer[]');
  const runStack = learner<RunStack>(ctx, 'runStack', 'runStack(layers, x, mixers): Promise<Tensor>');
  const attentionModel = flashAttentionMemory(lab.backend, D);
  const models = { attention: attentionModel, swa: slidingWindowMemory(D), mamba: selectiveScanMemory(D, NS) };
  const cachePoints: { label: string; points: [number, number][] }[] = [];
  for (const { label, config } of STACKS) {
    const layers = schedule(config);
    // Compile the kernels (or start onnxruntime) before timing.
    const small = lab.tensors.randn([64, D], 9);
    const warm = makeMixers(lab, 64);
    await warmUp(lab, () => runStack(layers, small, warm));
    const results = await lab.sweep({
      label,
      n,
      setup: (size) => ({ x: lab.tensors.randn([size, D], 1), mixers: makeMixers(lab, size) }),
      run: ({ x, mixers }) => runStack(layers, x, mixers),
      // The layers run one after another; each one's buffers, summed, bound the run.
      bytes: (size) => {
        const buffers = layers.flatMap((l) => models[l.mixer === 'lightning' ? 'mamba' : l.mixer].buffers(size));
        return {
          largest: Math.max(0, ...buffers.map((b) => b.bytes)),
          total: buffers.reduce((s, b) => s + b.bytes, 0)
        };
      }
    });
    const points: [number, number][] = [];
    for (const r of results) {
      if (r.status !== 'measured') continue;
      const x = lab.tensors.randn([r.n, D], 1);
      const mixers = makeMixers(lab, r.n);
      const { record } = await ctx.probe(() => runStack(layers, x, mixers));
      points.push([r.n, stackCounts(lab.backend, record, r.n).cache]);
    }
    cachePoints.push({ label, points });
  }
  lab.plot({
    id: 'cache',
    title: 'Cache a decoder keeps after N tokens (K, V and Mamba states the stack allocated)',
    x: { label: 'N', log: true },
    y: { label: 'bytes', log: true },
    series: cachePoints
  });
}
