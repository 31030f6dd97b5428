/**
 * Lesson 04's sweep: the learner's absorbed decode timed over N (the time and memory charts), its
 * achieved bandwidth beside a plain copy of the same bytes ($lib/baselines/copy, up to 8 s), then
 * naive and absorbed timed side by side, and two analytic plots at DeepSeek-V2's shapes: KV bytes
 * against N, and decode FLOPs per token.
 */
import type { Tensor } from 'lab';
import { plotBandwidth } from '$lib/baselines/copy';
import { learner, warmUp } from '$lib/lessons/kit';
import { type LessonContext, bytesOf } from '$lib/lessons/types';
import { WASM_BUDGET_BYTES } from '$lib/runtime/limits';
import { DEEPSEEK_V2, SHAPE, decodeFlops, memory, naiveBuffers } from './memory';
import { type MlaInputs, inputs } from './reference';

type Naive = (q: Tensor, k: Tensor, v: Tensor) => Promise<Tensor>;
type Absorbed = (x: MlaInputs<Tensor>) => Promise<Tensor>;

export const NAIVE = 'decodeNaive(q, k, v): Promise<Tensor>';
export const ABSORBED = 'decodeAbsorbed(x): Promise<Tensor>';

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  plotKv(ctx);
  plotFlops(ctx);
  const decodeAbsorbed = learner<Absorbed>(ctx, 'decodeAbsorbed', ABSORBED);
  const latent = (size: number) => inputs(ctx.lab, { n: size, ...SHAPE }, 7);
  // Compile the kernel (or build the session) once before timing, so the first point is not a compile.
  await warmUp(ctx.lab, () => decodeAbsorbed(latent(1)));
  const results = await ctx.lab.sweep({
    label: 'absorbed decode, latent cache (your code)',
    n,
    setup: latent,
    run: (x) => decodeAbsorbed(x),
    bytes: (size) => bytesOf(memory, size)
  });
  // Achieved GB/s of the absorbed step beside a plain copy of the same bytes, timed in this run.
  const { heads, dNope, dRope, dC } = SHAPE;
  await plotBandwidth(ctx, {
    results,
    bytesRead: (size) => 4 * (size * (dC + dRope) + heads * (dNope + dRope)),
    readLabel: 'latent cache and q, weights not counted: 4·(N·(d_c + d_R) + h·(d_h + d_R)) bytes'
  });
  await compareTimes(ctx, n, latent);
}

/**
 * Naive vs absorbed decode time on this device, side by side, timed with lab.time (the sweep
 * times the absorbed path alone). Stops when the next size would overrun COMPARE_BUDGET_MS.
 */
const COMPARE_BUDGET_MS = 10_000;

async function compareTimes(ctx: LessonContext, ns: number[], latent: (n: number) => MlaInputs<Tensor>): Promise<void> {
  const decodeNaive = learner<Naive>(ctx, 'decodeNaive', NAIVE);
  const decodeAbsorbed = learner<Absorbed>(ctx, 'decodeAbsorbed', ABSORBED);
  const { heads: h, dNope, dRope, dV } = SHAPE;
  const { tensors } = ctx.lab;
  const naive: [number, number][] = [];
  const absorbed: [number, number][] = [];
  const start = Date.now();
  let last = 0;
  // Every other size of the sweep (powers of 4) keeps this part short.
  for (const n of ns.filter((x) => Math.log2(x) % 2 === 0)) {
    // Each size runs 2 × (1 warm-up + 3 repeats); predict it from the last one, growing like N (×4).
    if (last > 0 && Date.now() - start + last * 4 > COMPARE_BUDGET_MS) break;
    if (Math.max(...naiveBuffers(n).map((b) => b.bytes)) > maxBuffer(ctx)) break;
    const t0 = Date.now();
    const q = tensors.randn([h, dNope + dRope], 1);
    const k = tensors.randn([h, n, dNope + dRope], 2);
    const v = tensors.randn([h, n, dV], 3);
    const tn = await ctx.lab.time(() => decodeNaive(q, k, v), { warmup: 1, repeats: 3 });
    const x = latent(n);
    const ta = await ctx.lab.time(() => decodeAbsorbed(x), { warmup: 1, repeats: 3 });
    naive.push([n, tn.medianMs]);
    absorbed.push([n, ta.medianMs]);
    last = Date.now() - t0;
    ctx.lab.plot({
      id: 'decode-time',
      title: `Decode time, naive vs absorbed, lesson shapes (measured here, ${tn.timer} timer)`,
      x: { label: 'cached tokens N', log: true },
      y: { label: 'ms per decoded token', log: true },
      series: [
        { label: `naive: reads h·(d_h+d_R+d_v) = ${h * (dNope + dRope + dV)} floats/token`, points: naive },
        { label: `absorbed: reads d_c+d_R = ${SHAPE.dC + dRope} floats/token`, points: absorbed }
      ]
    });
  }
}

function maxBuffer(ctx: LessonContext): number {
  return ctx.backend === 'webgpu' ? ctx.lab.gpu.limits.maxStorageBufferBindingSize : WASM_BUDGET_BYTES;
}

const TOKENS = Array.from({ length: 8 }, (_, i) => 1024 * 2 ** i); // 1K … 128K

/** KV cache bytes vs N at DeepSeek-V2's shapes (60 layers, d_h = 128, bf16), analytic. */
function plotKv(ctx: LessonContext): void {
  const { layers, heads, dNope: dh, dC, dRope } = DEEPSEEK_V2;
  const curve = (label: string, perLayer: number, nLayers = layers) => ({
    label,
    dashed: true,
    points: TOKENS.map((n) => [n, (perLayer * nLayers * 2 * n) / 2 ** 30] as [number, number])
  });
  ctx.lab.plot({
    id: 'kv-bytes',
    title: 'KV cache vs N, whole model, bf16 (analytic, DeepSeek-V2 shapes)',
    x: { label: 'tokens N', log: true },
    y: { label: 'GiB', log: true },
    series: [
      curve(`MHA, ${heads} heads: 2·h·d_h = ${2 * heads * dh}/token/layer`, 2 * heads * dh),
      curve(`GQA-8: 2·8·d_h = ${2 * 8 * dh}/token/layer`, 2 * 8 * dh),
      curve(`MLA: d_c + d_R = ${dC + dRope}/token/layer`, dC + dRope),
      curve('DeepSeek 67B (GQA-8, 95 layers)', 2 * 8 * 128, 95)
    ]
  });
}

/** Attention FLOPs to decode one token in one layer at DeepSeek-V2's shapes, analytic. */
function plotFlops(ctx: LessonContext): void {
  const at = (f: (n: number) => number) => TOKENS.map((n) => [n, f(n) / 1e9] as [number, number]);
  ctx.lab.plot({
    id: 'decode-flops',
    title: 'Decode FLOPs per token per layer (analytic, DeepSeek-V2 shapes)',
    x: { label: 'cached tokens N', log: true },
    y: { label: 'GFLOP', log: true },
    series: [
      { label: 'naive: per-head K/V cached', dashed: true, points: at((n) => decodeFlops.naive(DEEPSEEK_V2, n)) },
      {
        label: 'naive maths on a latent cache (re-expand K/V every step)',
        dashed: true,
        points: at((n) => decodeFlops.reexpand(DEEPSEEK_V2, n))
      },
      { label: 'absorbed: latent cache', dashed: true, points: at((n) => decodeFlops.absorbed(DEEPSEEK_V2, n)) }
    ]
  });
}
