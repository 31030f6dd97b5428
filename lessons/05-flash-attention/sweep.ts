/**
 * Lesson 05's sweep: the tiled code timed beside lesson 01's naive attention (src/lib/baselines),
 * and a chart of global memory traffic: the models of step 5 (dashed) and what the harness
 * measured (solid).
 * - WebGPU: the reads of q, k and v that an instrumented copy of the learner's shader counts, plus
 *   N·d writes of O, from one probe per N after the timed series (the counting copy adds an
 *   atomic add to every read, so it is slow, and it runs within a budget of its own).
 * - WASM: the floats sent to and from onnxruntime, from a probe of the first call at each N (the
 *   warm-up when there is one; recording a graph run costs nothing next to running it). The naive
 *   graph is timed beside the tiled loop on a chart of its own.
 * - simd: flash.as.ts timed beside onnxruntime-web's naive graph (lesson 01's, on its wasm
 *   provider) on the same time chart, and a chart of time against the key block B_c at one N.
 */
import type { Tensor } from 'lab';
import { learner, messages, reads, seeded, transferred, warmUp } from '$lib/lessons/kit';
import { type Lab, type LessonContext, bytesOf } from '$lib/lessons/types';
import { naiveAttention, naiveAttentionMemory, naiveOnnxBytes } from '$lib/baselines/naive-attention';
import { WASM_BUDGET_BYTES } from '$lib/runtime/limits';
import { D, memory } from './memory';
import {
  FLOATS_PER_READ,
  blockSizesFor,
  fa1Traffic,
  fa2CausalTraffic,
  standardCausalTraffic,
  standardTraffic
} from './reference';

type Attention = (q: Tensor, k: Tensor, v: Tensor, keyBlock?: number) => Promise<{ o: Tensor; bc: number; br: number }>;

const m = messages('05-flash-attention', {
  'traffic-stopped':
    'traffic chart: reads counted up to N = {n}; N = {next} would take about {seconds} s more with the counting shader, over its {budget} s budget'
});

/** Time for the WebGPU traffic probes, and for the WASM naive-vs-tiled chart. */
const TRAFFIC_BUDGET_MS = 8000;
const NAIVE_BUDGET_MS = 8000;
/** Time for the simd key-block chart, and the key blocks it tries (smallest first). */
const KEY_BLOCK_BUDGET_MS = 10000;
const KEY_BLOCKS = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];

const attentionOf = (ctx: LessonContext) =>
  learner<Attention>(ctx, 'attention', 'attention(q, k, v): Promise<{ o, bc, br, loads }>');
const inputs = (lab: Lab, n: number, seed = 1) => seeded(lab, { q: [n, D], k: [n, D], v: [n, D] }, seed);

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  if (ctx.backend === 'webgpu') await gpuSweep(ctx, n);
  else if (ctx.backend === 'simd') await simdSweep(ctx, n);
  else await wasmSweep(ctx, n);
}

async function gpuSweep(ctx: LessonContext, n: number[]) {
  const { lab } = ctx;
  const attention = attentionOf(ctx);
  // Compile both shaders first: a pipeline's first dispatch includes its compilation (seconds on
  // SwiftShader), which would make the sweep predict the next point far too slow.
  const w = inputs(lab, 64, 9);
  await warmUp(lab, () => attention(w.q, w.k, w.v));
  await warmUp(lab, () => naiveAttention(lab, w.q, w.k, w.v));
  await lab.sweep({
    label: 'tiled (your flash.wgsl)',
    n,
    setup: (size) => inputs(lab, size),
    run: ({ q, k, v }) => attention(q, k, v),
    bytes: (size) => bytesOf(memory, size)
  });
  await lab.sweep({
    label: 'naive (lesson 01 kernel)',
    n,
    setup: (size) => inputs(lab, size),
    run: ({ q, k, v }) => naiveAttention(lab, q, k, v),
    bytes: (size) => bytesOf(naiveAttentionMemory(D), size)
  });

  // The traffic, counted by the harness: one probe per N, smallest first, while the next one is
  // predicted (like N², as the reads grow) to fit the budget. The first probe compiles the
  // counting copy of the shader: do it on the small input, so that no N is charged for it.
  await ctx.probe(() => attention(w.q, w.k, w.v));
  let { bc, br } = blockSizesFor(D, lab.gpu.limits.maxComputeWorkgroupStorageSize);
  const counted: [number, number][] = [];
  const start = performance.now();
  let last: { n: number; ms: number } | null = null;
  for (const size of n) {
    if (last) {
      const predicted = last.ms * (size / last.n) ** 2;
      if (performance.now() - start + predicted > TRAFFIC_BUDGET_MS) {
        const seconds = (predicted / 1000).toFixed(1);
        lab.log(m('traffic-stopped', { n: last.n, next: size, seconds, budget: TRAFFIC_BUDGET_MS / 1000 }).text);
        break;
      }
    }
    const { q, k, v } = inputs(lab, size);
    const t0 = performance.now();
    const { result, record } = await ctx.probe(() => attention(q, k, v));
    last = { n: size, ms: performance.now() - t0 };
    const r = ['q', 'k', 'v'].map((name) => reads(record, name));
    if (r.some((x) => x === null)) break; // the shader could not be instrumented: the traffic check says why
    counted.push([size, FLOATS_PER_READ * r.reduce<number>((a, x) => a + (x ?? 0), 0) + size * D]);
    ({ bc, br } = result);
  }
  // The same formulas with an A100's 192 KB of SRAM per SM (FlashAttention-1, Fig. 1) as M.
  const a100 = blockSizesFor(D, 192 * 1024);
  plotTraffic(
    lab,
    n,
    [
      { label: `FA-1 model, B_c = ${bc}`, f: (size) => fa1Traffic(size, D, bc), causal: false },
      { label: `your kernel's model, B_r = ${br}`, f: (size) => fa2CausalTraffic(size, D, br), causal: true },
      {
        label: `same, if M were 192 KB: B_r = ${a100.br}`,
        f: (size) => fa2CausalTraffic(size, D, a100.br),
        causal: true
      }
    ],
    { label: 'your kernel: reads of Q, K, V counted by the harness + N·d writes of O', points: counted }
  );
}

async function wasmSweep(ctx: LessonContext, n: number[]) {
  const { lab } = ctx;
  const attention = attentionOf(ctx);
  const transfers = new Map<number, { floats: number; bc: number }>();
  // Start onnxruntime before timing: its first run loads and compiles its WebAssembly.
  const w = inputs(lab, 64, 9);
  await warmUp(lab, () => attention(w.q, w.k, w.v));
  await lab.sweep({
    label: 'tiled (your key-block loop)',
    n,
    setup: (size) => inputs(lab, size),
    run: async ({ q, k, v }, size) => {
      if (transfers.has(size)) return attention(q, k, v);
      const { result, record } = await ctx.probe(() => attention(q, k, v));
      transfers.set(size, { floats: transferred(record), bc: result.bc });
    },
    bytes: (size) => bytesOf(memory, size)
  });
  const bc = [...transfers.values()][0]?.bc ?? 256;
  plotTraffic(
    lab,
    n,
    [{ label: `FA-1 model (your loop), B_c = ${bc}`, f: (size) => fa1Traffic(size, D, bc), causal: false }],
    {
      label: 'your loop: floats to and from onnxruntime',
      points: [...transfers].map(([size, x]) => [size, x.floats] as [number, number])
    }
  );

  // The naive baseline on WASM is timed outside the sweep (one sweep series per backend here),
  // beside the tiled code at the same N, with a budget of its own.
  const start = performance.now();
  const tiled: [number, number][] = [];
  const naive: [number, number][] = [];
  for (const size of n) {
    if (naiveOnnxBytes(size, D) > WASM_BUDGET_BYTES) break;
    const { q, k, v } = inputs(lab, size);
    const a = await lab.time(() => attention(q, k, v), { warmup: 1, repeats: 1 });
    const b = await lab.time(() => naiveAttention(lab, q, k, v), { warmup: 1, repeats: 1 });
    tiled.push([size, a.medianMs]);
    naive.push([size, b.medianMs]);
    const spent = performance.now() - start;
    if (spent * 5 > NAIVE_BUDGET_MS) break; // the next N costs about 4× this one
  }
  lab.plot({
    id: 'wasm-time',
    title: 'WASM: onnxruntime time, tiled (your loop) vs naive (lesson 01 graph)',
    x: { label: 'N', log: true },
    y: { label: 'ms', log: true },
    series: [
      { label: 'tiled (your key-block loop)', points: tiled },
      { label: 'naive (lesson 01 graph)', points: naive }
    ]
  });
}

async function simdSweep(ctx: LessonContext, n: number[]) {
  const { lab } = ctx;
  const attention = attentionOf(ctx);
  const w = inputs(lab, 64, 9);
  await warmUp(lab, () => attention(w.q, w.k, w.v));
  await warmUp(lab, () => naiveAttention(lab, w.q, w.k, w.v));
  const tiled = await lab.sweep({
    label: 'tiled (your flash.as.ts, one thread)',
    n,
    setup: (size) => inputs(lab, size),
    run: ({ q, k, v }) => attention(q, k, v),
    bytes: (size) => bytesOf(memory, size)
  });
  await lab.sweep({
    label: 'naive (onnxruntime-web graph, lesson 01)',
    n,
    setup: (size) => inputs(lab, size),
    run: ({ q, k, v }) => naiveAttention(lab, q, k, v),
    bytes: (size) => {
      const total = naiveOnnxBytes(size, D);
      return { largest: total, total };
    }
  });

  // Time against the key block, at the largest N the tiled series measured up to 4096: each
  // choice once, smallest first, while the next is predicted to fit the budget.
  const measured = tiled.filter((p) => p.status === 'measured' && p.n <= 4096);
  const size = measured.length ? measured[measured.length - 1].n : n[0];
  const { q, k, v } = inputs(lab, size);
  const points: [number, number][] = [];
  const start = performance.now();
  for (const bc of KEY_BLOCKS) {
    const t = await lab.time(() => attention(q, k, v, bc), { warmup: 0, repeats: 1 });
    points.push([bc, t.medianMs]);
    if ((performance.now() - start) * (1 + 1 / points.length) > KEY_BLOCK_BUDGET_MS) break;
  }
  lab.plot({
    id: 'key-block',
    title: `simd: time against the key block B_c at N = ${size}, d = ${D} (one run each)`,
    x: { label: 'keys per block (B_c)', log: true },
    y: { label: 'ms', log: false },
    series: [{ label: 'your flash.as.ts', points }]
  });
}

function plotTraffic(
  lab: Lab,
  n: number[],
  /** causal: compared with the causal standard model (lower triangle of S only), else with the full one. */
  models: { label: string; f: (n: number) => number; causal: boolean }[],
  measured: { label: string; points: [number, number][] }
) {
  // Smooth model curves (enough points that the chart draws them without markers); the
  // measured series comes first so that its markers are drawn on top.
  const [lo, hi] = [Math.log2(n[0]), Math.log2(n[n.length - 1])];
  const xs = Array.from({ length: 61 }, (_, i) => Math.round(2 ** (lo + ((hi - lo) * i) / 60)));
  const curve = (f: (n: number) => number) => xs.map((size) => [size, f(size)] as [number, number]);
  const big = n[n.length - 1];
  lab.plot({
    id: 'traffic',
    title: `Global memory traffic, d = ${D}: measured (solid) and models (dashed, step 5)`,
    x: { label: 'N', log: true },
    y: { label: 'elements read + written', log: true },
    series: [
      { label: measured.label, points: measured.points },
      { label: 'standard attention, 4Nd + 4N²', points: curve((size) => standardTraffic(size, D)), dashed: true },
      {
        label: 'standard attention, causal (lower triangle of S), 4Nd + 2N(N+1)',
        points: curve((size) => standardCausalTraffic(size, D)),
        dashed: true
      },
      // Say how each model compares, at the largest N, with the standard model that makes the same
      // causal choice (lines may overlap).
      ...models.map((x) => ({
        label: `${x.label} (×${(x.f(big) / (x.causal ? standardCausalTraffic : standardTraffic)(big, D)).toPrecision(2)} ${x.causal ? 'causal standard' : 'standard'} at N = ${big})`,
        points: curve(x.f),
        dashed: true
      }))
    ]
  });
}
