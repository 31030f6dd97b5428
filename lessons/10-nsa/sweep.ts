/**
 * Lesson 10's sweep. (1) KV tokens read per decode step against N, at the paper's settings
 * (l = 32, d = 16, l' = 64, n = 16, w = 512), counted by the probe from the learner's kernel for
 * one query at position N − 1, N = 1K … 64K, beside N for full attention and the approximation
 * N/16 + 1536. (2) Time of a prefill (every query) at scaled-down settings (memory.ts) beside full
 * causal attention (src/lib/baselines/flash-attention: lesson 05's kernel on WebGPU, the naive
 * ONNX graph on WASM). Cost: seven decode calls (the largest reads 5,631 rows of 64K) and the
 * timed prefills, O(N·(N/d + n·l' + w)·dk) each.
 */
import type { Tensor } from 'lab';
import { learner, seeded, warmUp } from '$lib/lessons/kit';
import { type Lab, type LessonContext, bytesOf } from '$lib/lessons/types';
import { flashAttention, flashAttentionMemory } from '$lib/baselines/flash-attention';
import { D, D_PROBE, SCALED, memory } from './memory';
import { countReads } from './reads';
import { type NsaConfig, PAPER } from './reference';

type Nsa = (q: Tensor, k: Tensor, v: Tensor, g: Tensor, config: NsaConfig) => Promise<Tensor>;

/** Seeded q: [T, d], k, v: [N, d] and gates g: [T, 3] in (0, 1) (a sigmoid of normal draws). */
export function nsaInputs(lab: Lab, n: number, t: number, d: number, seed = 1) {
  const x = seeded(lab, { q: [t, d], k: [n, d], v: [n, d], g: [t, 3] }, seed);
  x.g.data.forEach((y, e) => (x.g.data[e] = 1 / (1 + Math.exp(-y))));
  return x;
}

/** Decode lengths for the reads chart: 1K … 64K. */
export const DECODE_N = [1024, 2048, 4096, 8192, 16384, 32768, 65536];

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const { lab } = ctx;
  const nsa = learner<Nsa>(ctx, 'nsa', 'nsa(q, k, v, g, config): Promise<Tensor>');
  await plotDecodeReads(ctx, nsa);
  const full =
    ctx.backend === 'webgpu' ? 'full attention (lesson 05 FlashAttention kernel)' : 'full attention (naive ONNX graph)';
  const w = nsaInputs(lab, 512, 512, D, 9);
  await warmUp(lab, () => nsa(w.q, w.k, w.v, w.g, SCALED));
  await warmUp(lab, () => flashAttention(lab, w.q, w.k, w.v));
  const s = SCALED;
  await lab.sweep({
    label: `NSA prefill (yours), l = ${s.cmpBlock}, d = ${s.stride}, l' = ${s.selBlock}, n = ${s.topn}, w = ${s.window}`,
    n,
    setup: (size) => nsaInputs(lab, size, size, D),
    run: ({ q, k, v, g }) => nsa(q, k, v, g, SCALED),
    bytes: (size) => bytesOf(memory, size)
  });
  await lab.sweep({
    label: full,
    n,
    setup: (size) => nsaInputs(lab, size, size, D),
    run: ({ q, k, v }) => flashAttention(lab, q, k, v),
    bytes: (size) => bytesOf(flashAttentionMemory(ctx.backend, D), size)
  });
}

/** One decode step per N at the paper's settings, its KV tokens counted by the probe. */
async function plotDecodeReads(ctx: LessonContext, nsa: Nsa) {
  const points: [number, number][] = [];
  for (const size of DECODE_N) {
    const { q, k, v, g } = nsaInputs(ctx.lab, size, 1, D_PROBE, 5);
    const { record } = await ctx.probe(() => nsa(q, k, v, g, PAPER));
    const counted = countReads(ctx, record, D_PROBE, D_PROBE);
    if (counted === null) return; // the checks say why
    points.push([size, counted.total]);
  }
  const last = points[points.length - 1];
  ctx.lab.plot({
    id: 'decode-reads',
    title: `KV tokens read per decode step (probe-counted, paper's settings): ${last[1].toLocaleString('en-US')} at N = ${last[0].toLocaleString('en-US')}, ${(last[0] / last[1]).toFixed(1)}× fewer than full attention`,
    x: { label: 'N', log: true },
    y: { label: 'KV tokens read by the last query', log: true },
    series: [
      { label: 'full attention: N', points: DECODE_N.map((x) => [x, x] as [number, number]), dashed: true },
      {
        label: 'N/16 + 1536',
        points: DECODE_N.map((x) => [x, x / 16 + 1536] as [number, number]),
        dashed: true
      },
      // Last, so that it is drawn over the approximation it nearly equals.
      { label: 'NSA (yours), l = 32, d = 16, l′ = 64, n = 16, w = 512', points }
    ]
  });
}
