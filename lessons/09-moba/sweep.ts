/**
 * Lesson 09's sweep: the learner's MoBA at a fixed gate (B = 64, top-3) timed beside full causal
 * attention over the same N (src/lib/baselines/flash-attention: lesson 05's tiled FlashAttention
 * kernel on WebGPU, the naive ONNX graph on WASM), and a chart of the sparsity 1 − k·B/N from the
 * learner's `sparsity` for this gate and for the tech report's (B = 4096, top-12), out to 10M.
 * MoBA's cost per query is about k·B keys plus N/B gate scores, so its time grows about like N
 * while N/B stays below k·B, and like N²/B beyond; full attention's grows like N².
 */
import type { Tensor } from 'lab';
import { learner, seeded, warmUp } from '$lib/lessons/kit';
import { type Lab, type LessonContext, bytesOf } from '$lib/lessons/types';
import { flashAttention, flashAttentionMemory } from '$lib/baselines/flash-attention';
import { BLOCK, D, TOPK, memory } from './memory';

type Moba = (q: Tensor, k: Tensor, v: Tensor, options: { blockSize: number; topk: number }) => Promise<Tensor>;
type Sparsity = (n: number, blockSize: number, topk: number) => number;

const inputs = (lab: Lab, n: number, seed = 1) => seeded(lab, { q: [n, D], k: [n, D], v: [n, D] }, seed);

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const { lab } = ctx;
  const moba = learner<Moba>(ctx, 'moba', 'moba(q, k, v, { blockSize, topk }): Promise<Tensor>');
  const gate = { blockSize: BLOCK, topk: TOPK };
  const full =
    ctx.backend === 'webgpu' ? 'full attention (lesson 05 FlashAttention kernel)' : 'full attention (naive ONNX graph)';
  // Compile both shaders (or start onnxruntime) before timing: the first call pays for it.
  const w = inputs(lab, 2 * BLOCK * TOPK, 9);
  await warmUp(lab, () => moba(w.q, w.k, w.v, gate));
  await warmUp(lab, () => flashAttention(lab, w.q, w.k, w.v));
  await lab.sweep({
    label: `MoBA (yours), B = ${BLOCK}, top-${TOPK}`,
    n,
    setup: (size) => inputs(lab, size),
    run: ({ q, k, v }) => moba(q, k, v, gate),
    bytes: (size) => bytesOf(memory, size)
  });
  await lab.sweep({
    label: full,
    n,
    setup: (size) => inputs(lab, size),
    run: ({ q, k, v }) => flashAttention(lab, q, k, v),
    bytes: (size) => bytesOf(flashAttentionMemory(ctx.backend, D), size)
  });
  plotSparsity(lab, learner<Sparsity>(ctx, 'sparsity', 'sparsity(n, blockSize, topk): number'));
}

/** 1 − k·B/N from the learner's formula, for the sweep's gate and the tech report's, N up to 10M. */
function plotSparsity(lab: Lab, sparsity: Sparsity) {
  // 61 points per curve, from N = k·B (sparsity 0) to 10M: enough that the chart draws lines, not markers.
  const curve = (blockSize: number, topk: number) => {
    const [lo, hi] = [Math.log2(blockSize * topk), Math.log2(1e7)];
    return Array.from({ length: 61 }, (_, i) => {
      const size = Math.round(2 ** (lo + ((hi - lo) * i) / 60));
      return [size, 100 * sparsity(size, blockSize, topk)] as [number, number];
    });
  };
  const report = 100 * sparsity(2 ** 20, 4096, 12);
  lab.plot({
    id: 'sparsity',
    title: `Sparsity 1 − k·B/N from your sparsity(): ${report.toFixed(2)} % at N = 2^20, B = 4096, top-12`,
    x: { label: 'N', log: true },
    y: { label: 'sparsity, % of the N keys' },
    series: [
      { label: `this page's gate, B = ${BLOCK}, top-${TOPK}`, points: curve(BLOCK, TOPK) },
      { label: 'tech report, B = 4096, top-12', points: curve(4096, 12), dashed: true }
    ]
  });
}
