/**
 * Lesson 19's sweep: the time of one training step of the toy router against the number of
 * tokens N in the batch (d = 16, E = 8), for the aux-loss run and the bias run: the logits kernel
 * (router.wgsl on WebGPU, the MatMul graph on WASM), softmax, your route, the gradient on W, and
 * your auxLoss (E + 1 calls, for its gradient) or your updateBias. Every part is O(N·E) or
 * O(N·d·E): the step grows like N, and the balancing itself is a small share of it. Before the
 * timings, the toy problem is trained once and its load histogram animated (train.ts).
 */
import { learner, warmUp } from '$lib/lessons/kit';
import { type LessonContext, bytesOf } from '$lib/lessons/types';
import { D, memory } from './memory';
import { type Api, type Mode, batch, start, step, trainAll } from './train';

export function api(ctx: LessonContext): Api {
  return {
    routerLogits: learner<Api['routerLogits']>(ctx, 'routerLogits', 'routerLogits(x, w): Promise<Tensor>'),
    auxLoss: learner<Api['auxLoss']>(ctx, 'auxLoss', 'auxLoss(probs, expert, alpha): number'),
    route: learner<Api['route']>(ctx, 'route', 'route(probs, bias): { expert, weight }'),
    updateBias: learner<Api['updateBias']>(ctx, 'updateBias', 'updateBias(bias, load, rate): Float32Array')
  };
}

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const { lab } = ctx;
  const fns = api(ctx);
  await trainAll(lab, fns);
  const series: { mode: Mode; label: string }[] = [
    { mode: 'aux', label: 'one step with the aux loss (your auxLoss, E + 1 calls)' },
    { mode: 'bias', label: 'one step with the bias (your route and updateBias)' }
  ];
  const w = batch(lab, 64, D);
  await warmUp(lab, () => step(lab, fns, w, start(lab, 'aux')));
  for (const { mode, label } of series) {
    await lab.sweep({
      label,
      n,
      setup: (size) => ({ x: batch(lab, size, D), run: start(lab, mode) }),
      run: ({ x, run }) => step(lab, fns, x, run),
      bytes: (size) => bytesOf(memory, size)
    });
  }
}
