/**
 * Lesson 07's sweep: the learner's banded attention at a fixed window W, timed beside lesson 01's
 * naive attention (src/lib/baselines) over the same N, on the run's backend. The banded series
 * should grow like N once N ≫ W (its work is about 4·d·N·W FLOPs), the naive one like N².
 * A chart of the scores each computes (N·W − W(W − 1)/2 against N(N + 1)/2) is drawn after.
 */
import type { Tensor } from 'lab';
import { learner, seeded, warmUp } from '$lib/lessons/kit';
import { type Lab, type LessonContext, bytesOf } from '$lib/lessons/types';
import { naiveAttention, naiveAttentionMemory } from '$lib/baselines/naive-attention';
import { D, W, memory } from './memory';
import { swaCount } from './reference';

type Attention = (q: Tensor, k: Tensor, v: Tensor, w: number) => Promise<Tensor>;

const inputs = (lab: Lab, n: number, seed = 1) => seeded(lab, { q: [n, D], k: [n, D], v: [n, D] }, seed);

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const { lab } = ctx;
  const attention = learner<Attention>(ctx, 'attention', 'attention(q, k, v, w): Promise<Tensor>');
  // Compile both shaders (or start onnxruntime) first: a first run includes its compilation,
  // which would make the sweep predict the next point far too slow.
  const x = inputs(lab, 64, 9);
  await warmUp(lab, () => attention(x.q, x.k, x.v, W));
  await warmUp(lab, () => naiveAttention(lab, x.q, x.k, x.v));
  const banded = lab.backend === 'webgpu' ? 'your banded.wgsl' : 'your query-block loop';
  await lab.sweep({
    label: `banded, w = ${W} (${banded})`,
    n,
    setup: (size) => inputs(lab, size),
    run: ({ q, k, v }) => attention(q, k, v, W),
    bytes: (size) => bytesOf(memory, size)
  });
  await lab.sweep({
    label: 'naive, full causal (lesson 01)',
    n,
    setup: (size) => inputs(lab, size),
    run: ({ q, k, v }) => naiveAttention(lab, q, k, v),
    bytes: (size) => bytesOf(naiveAttentionMemory(D), size)
  });
  lab.plot({
    id: 'scores',
    title: `Scores computed per head: the band (w = ${W}) against the causal triangle`,
    x: { label: 'N', log: true },
    y: { label: 'scores', log: true },
    series: [
      { label: `band: w·N − w(w − 1)/2 (w = ${W})`, points: n.map((size) => [size, swaCount(size, W)]) },
      { label: 'causal triangle: N(N + 1)/2', points: n.map((size) => [size, (size * (size + 1)) / 2]) }
    ]
  });
}
