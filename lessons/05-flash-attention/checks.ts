/**
 * Lesson 05 checks: (a) the one-pass online softmax of one row, on rows whose scores overflow a
 * naive e^s; (b) the tiled attention against the float64 reference (N = 1, N not a multiple of
 * the block, several d), its memory (no N×N buffer: the bytes it allocates through the lab grow
 * like N), its block sizes, and its global traffic counted while it runs against the exact model
 * of its loop structure. The sweep times the tiled code beside lesson 01's naive kernel.
 */
import type { GpuBuffer, Tensor } from 'lab';
import { formatBytes } from '$lib/bench/format';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type Lab, type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { type BuiltGraph, graphBytes } from '$lib/runtime/lab/onnx-graph';
import { D, memory } from './memory';
import { naiveAttention, naiveAttentionMemory, naiveOnnxBytes } from '$lib/baselines/naive-attention';
import {
  fa1Traffic,
  fa2CausalLoads,
  fa2CausalTraffic,
  fa2FullLoads,
  reference,
  softmaxStats,
  standardTraffic,
  unrescaledSum
} from './reference';

interface FlashResult {
  o: Tensor;
  bc: number;
  br: number;
  loads: number | null;
}
type Attention = (q: Tensor, k: Tensor, v: Tensor) => Promise<FlashResult>;
type OnlineSoftmax = (scores: Iterable<number>) => { max: number; sum: number };
type BlockSizes = (d: number, workgroupBytes: number) => { bc: number; br: number };

const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };
/** The WASM backend's memory budget on the page (Workbench): the naive graph must fit it. */
const WASM_BUDGET = 512 * 1024 * 1024;
const fmtInt = (x: number) => x.toLocaleString('en-US');

const attentionOf = (ctx: LessonContext) =>
  learnerFunction<Attention>(ctx, 'attention', 'attention(q, k, v): Promise<{ o, bc, br, loads }>');

async function run(ctx: LessonContext, q: Tensor, k: Tensor, v: Tensor): Promise<FlashResult> {
  const r = await attentionOf(ctx)(q, k, v);
  if (!r || !isTensor(r.o)) {
    throw new CheckFailure(
      `attention must resolve to { o: Tensor, bc, br, loads }, got ${JSON.stringify(r)?.slice(0, 80)}`
    );
  }
  return r;
}

/** Seeded q, k, v. `ramp` scales queries by 6 and key j by 1 + 3j/N: large scores whose row max
 *  keeps growing with j, so every later key block raises it (the case a missing rescale gets wrong). */
function inputs(lab: Lab, n: number, d: number, seed: number, ramp = false) {
  const q = lab.tensors.randn([n, d], seed);
  const k = lab.tensors.randn([n, d], seed + 1);
  if (ramp) {
    q.data.forEach((x, i) => (q.data[i] = 6 * x));
    k.data.forEach((x, i) => (k.data[i] = x * (1 + (3 * Math.floor(i / d)) / n)));
  }
  return { q, k, v: lab.tensors.randn([n, d], seed + 2) };
}

/** A row that can be iterated once, as a stream of scores would arrive. */
function stream(row: readonly number[]): Iterable<number> {
  let used = false;
  return {
    [Symbol.iterator]() {
      if (used) {
        throw new CheckFailure(
          'onlineSoftmax read the row twice. The scores stream by once (as tiles of K do): keep a running max instead of finding the max first.'
        );
      }
      used = true;
      return row[Symbol.iterator]();
    }
  };
}

interface Trace {
  buffers: { label: string; bytes: number }[];
  /** Bytes of the largest ONNX graph run (the lab counts every tensor of the graph while it runs). */
  graphBytes: number;
  largestTensor: { name: string; shape: number[]; elements: number } | null;
  /** f32 elements sent to and received from onnxruntime. */
  transfers: number;
}

/** Run `fn` while recording the GPU buffers it makes and the ONNX graphs it runs through the lab. */
async function traced<R>(lab: Lab, fn: () => Promise<R>): Promise<{ result: R; trace: Trace }> {
  const { gpu, onnx } = lab;
  const saved = { input: gpu.input, output: gpu.output, scratch: gpu.scratch, uniform: gpu.uniform, run: onnx.run };
  const trace: Trace = { buffers: [], graphBytes: 0, largestTensor: null, transfers: 0 };
  const keep = (b: GpuBuffer) => (trace.buffers.push({ label: b.label, bytes: b.size }), b);
  gpu.input = (t, label) => keep(saved.input(t, label));
  gpu.output = (shape, label, type) => keep(saved.output(shape, label, type));
  gpu.scratch = (elements, label) => keep(saved.scratch(elements, label));
  gpu.uniform = (fields, label) => keep(saved.uniform(fields, label));
  onnx.run = async (graph, feeds) => {
    const out = await saved.run(graph, feeds);
    const built = graph as BuiltGraph;
    trace.graphBytes = Math.max(trace.graphBytes, graphBytes(built));
    for (const v of built.values) {
      const elements = v.shape.reduce((a, b) => a * b, 1);
      if (!trace.largestTensor || elements > trace.largestTensor.elements) {
        trace.largestTensor = { name: v.name, shape: [...v.shape], elements };
      }
    }
    for (const t of [...Object.values(feeds), ...Object.values(out)]) trace.transfers += t.data.length;
    return out;
  };
  try {
    return { result: await fn(), trace };
  } finally {
    Object.assign(gpu, { input: saved.input, output: saved.output, scratch: saved.scratch, uniform: saved.uniform });
    onnx.run = saved.run;
  }
}

const totalBytes = (t: Trace) => t.buffers.reduce((a, b) => a + b.bytes, 0) + t.graphBytes;

const OUTPUT_CASES = [
  { n: 1, d: 64, ramp: false },
  { n: 7, d: 16, ramp: false },
  { n: 45, d: 8, ramp: false },
  { n: 100, d: 32, ramp: false },
  { n: 130, d: 64, ramp: false },
  { n: 300, d: 64, ramp: true } // scores up to ~100: e^s overflows float32 unless the max is subtracted
];

export const harness: LessonHarness = {
  checks: [
    {
      id: 'online-softmax',
      title: '(a) onlineSoftmax: max and Σ e^{s−max} of a row in one pass',
      run: (ctx) =>
        outcome(() => {
          const f = learnerFunction<OnlineSoftmax>(
            ctx,
            'onlineSoftmax',
            'onlineSoftmax(scores: Iterable<number>): { max, sum }'
          );
          const random = Array.from(ctx.lab.tensors.randn([1000], 5).data, (x) => 500 + 40 * x);
          const rows: [string, number[]][] = [
            ['increasing scores 1000, 1001, …, 1063', Array.from({ length: 64 }, (_, j) => 1000 + j)],
            ['1000 random scores around 500 (spread 40)', random],
            ['decreasing scores 0, −1, …, −31', Array.from({ length: 32 }, (_, j) => -j)],
            ['[−1000, −999.5, −2000]', [-1000, -999.5, -2000]],
            ['the single score [−750]', [-750]]
          ];
          for (const [name, row] of rows) {
            const want = softmaxStats(row);
            const got = f(stream(row));
            if (!got || typeof got.max !== 'number' || typeof got.sum !== 'number') {
              return {
                pass: false,
                message: `onlineSoftmax must return { max: number, sum: number }, got ${JSON.stringify(got)}`
              };
            }
            const sumOk = Math.abs(got.sum - want.sum) <= 1e-9 * want.sum;
            if (got.max === want.max && sumOk) continue;
            let hint = '';
            if (!Number.isFinite(got.sum)) hint = ' e^1000 is Infinity even in float64: exponentiate s − max, never s.';
            else if (got.max !== want.max) hint = ' max must be the largest score seen.';
            else if (Math.abs(got.sum - unrescaledSum(row)) <= 1e-9 * want.sum) {
              hint =
                ' That is Σ e^{s_j − (max so far)}: when the max grows, the terms already in sum were computed against the old max. Multiply sum by e^{oldMax − newMax} first.';
            }
            return {
              pass: false,
              message: `${name}: got max ${got.max}, sum ${got.sum}; expected max ${want.max}, sum ${want.sum}.${hint}`
            };
          }
          return { pass: true, message: 'one pass, exact max, sum within 1e-9 on rows where e^s overflows' };
        })
    },
    {
      id: 'block-sizes',
      title: 'blockSizes(d, bytes): B_c = ⌈M/4d⌉ with M = bytes/4 floats, B_r = min(B_c, d)',
      run: (ctx) =>
        outcome(() => {
          const f = learnerFunction<BlockSizes>(ctx, 'blockSizes', 'blockSizes(d, workgroupBytes): { bc, br }');
          for (const [d, bytes] of [
            [64, 16384],
            [64, 32768],
            [8, 16384],
            [48, 16384],
            [128, 16384]
          ]) {
            const want = blockSizesFor(d, bytes);
            const got = f(d, bytes);
            if (got?.bc !== want.bc || got?.br !== want.br) {
              return {
                pass: false,
                message: `blockSizes(${d}, ${bytes}) returned ${JSON.stringify(got)}; M = ${bytes}/4 = ${bytes / 4} floats gives B_c = ⌈${bytes / 4}/${4 * d}⌉ = ${want.bc}, B_r = min(${want.bc}, ${d}) = ${want.br}`
              };
            }
          }
          const here = ctx.lab.gpu.available ? ctx.lab.gpu.limits.maxComputeWorkgroupStorageSize : 16384;
          const whose = ctx.lab.gpu.available ? 'this device’s' : 'WebGPU’s default';
          const { bc } = f(D, here);
          return {
            pass: true,
            message: `with ${whose} ${formatBytes(here)} of workgroup memory and d = ${D}: B_c = ⌈${here / 4}/${4 * D}⌉ = ${bc}`
          };
        })
    },
    {
      id: 'output',
      title: '(b) tiled causal attention matches the float64 reference',
      run: (ctx) =>
        outcome(async () => {
          for (const [c, { n, d, ramp }] of OUTPUT_CASES.entries()) {
            const { q, k, v } = inputs(ctx.lab, n, d, 10 * c + 1, ramp);
            const r = await run(ctx, q, k, v);
            const cmp = ctx.lab.tensors.compare(r.o, reference(q, k, v), TOLERANCE);
            if (cmp.ok) continue;
            const where = `N = ${n}, d = ${d}${ramp ? ' (large scores that grow along the keys)' : ''}`;
            const row = Math.floor(cmp.firstMismatch / d);
            let hint = '';
            if (ctx.lab.tensors.compare(r.o, reference(q, k, v, false), TOLERANCE).ok) {
              hint = ' Your output equals attention WITHOUT the causal mask: query i may only see keys j ≤ i.';
            } else if (Number.isNaN(r.o.data[cmp.firstMismatch])) {
              hint = ` Row ${row} is NaN: e^{−∞ − (−∞)} or 0/0. Start m at a large negative number and skip tiles with no visible key.`;
            } else if (row >= r.bc) {
              hint =
                ` Rows 0…${Math.min(r.bc, n) - 1} see one block of ${r.bc} keys and are right; row ${row} spans ${Math.floor(row / r.bc) + 1} blocks.` +
                ' When a block raises the running max, ℓ and acc still hold sums against the old max: multiply both by e^{m − m_new}.';
            }
            return { pass: false, message: `${where}: ${cmp.message}.${hint}` };
          }
          return {
            pass: true,
            message: `matches for ${OUTPUT_CASES.map((c) => `N = ${c.n} (d = ${c.d})`).join(', ')}`
          };
        })
    },
    {
      id: 'memory',
      title: 'no N×N buffer: the bytes a run allocates grow like N',
      run: (ctx) =>
        outcome(async () => {
          const [n1, n2] = [256, 1024];
          const measure = async (n: number) => {
            const { q, k, v } = inputs(ctx.lab, n, D, 3);
            return (await traced(ctx.lab, () => run(ctx, q, k, v))).trace;
          };
          const [t1, t2] = [await measure(n1), await measure(n2)];
          const [b1, b2] = [totalBytes(t1), totalBytes(t2)];
          const growth = b2 / b1;
          const exponent = Math.log(growth) / Math.log(n2 / n1);
          const square = n2 * n2;
          const bigBuffer = t2.buffers.find((b) => b.bytes >= 4 * square);
          const bigTensor = t2.largestTensor && t2.largestTensor.elements >= square ? t2.largestTensor : null;
          const summary = `N = ${n1}: ${formatBytes(b1)}; N = ${n2}: ${formatBytes(b2)} (×${growth.toFixed(2)} for ×${n2 / n1} N, like N^${exponent.toFixed(2)})`;
          if (bigBuffer) {
            return {
              pass: false,
              message: `${summary}. Buffer '${bigBuffer.label}' holds ${formatBytes(bigBuffer.bytes)}: at least N×N floats. Keep scores in workgroup memory, one tile at a time.`
            };
          }
          if (bigTensor) {
            return {
              pass: false,
              message: `${summary}. Graph tensor '${bigTensor.name}' [${bigTensor.shape.join(', ')}] has N×N elements or more: feed the keys in blocks.`
            };
          }
          if (exponent > 1.2) return { pass: false, message: `${summary}: faster than N. Which buffer grows with N²?` };
          return { pass: true, message: `${summary}` };
        })
    },
    {
      id: 'traffic',
      title: 'global traffic counted while it runs equals the model of its loop structure',
      run: (ctx) => outcome(() => (ctx.backend === 'webgpu' ? gpuTraffic(ctx) : wasmTraffic(ctx)))
    }
  ],
  async sweep(ctx, n) {
    if (ctx.backend === 'webgpu') await gpuSweep(ctx, n);
    else await wasmSweep(ctx, n);
  }
};

/** WebGPU: the kernel's atomic counter against 3Nd + d·B_r·T_r(T_r − 1) (reference.ts). */
async function gpuTraffic(ctx: LessonContext) {
  const cases = [
    { n: 1, d: 64 },
    { n: 130, d: 64 },
    { n: 100, d: 32 },
    { n: 45, d: 8 },
    { n: 1000, d: 64 }
  ];
  for (const [c, { n, d }] of cases.entries()) {
    const { q, k, v } = inputs(ctx.lab, n, d, 50 + c);
    const r = await run(ctx, q, k, v);
    const want = fa2CausalLoads(n, d, r.br);
    if (want >= 2 ** 24) throw new Error(`traffic check: ${want} loads do not read back exactly as float32`);
    if (r.loads === want) continue;
    const tr = Math.ceil(n / r.br);
    const model = `3·N·d + d·B_r·T_r(T_r − 1) = ${fmtInt(want)} (B_r = ${r.br}, T_r = ⌈N/B_r⌉ = ${tr})`;
    let hint = '';
    if (r.loads === null || r.loads === 0)
      hint = ' The counter stayed 0: add each invocation’s count with atomicAdd(&loads, counted).';
    else if (r.loads === fa2FullLoads(n, d, r.br)) {
      hint = ` That is N·d + 2·N·d·T_r: every key tile loaded for every query block. A block’s queries never see a key after the block’s last row (causal): stop loading at rowEnd.`;
    }
    return {
      pass: false,
      message: `N = ${n}, d = ${d}: the counter says ${r.loads === null ? 'nothing' : fmtInt(r.loads)} loads of Q, K, V; the causal FA-2 model says ${model}.${hint}`
    };
  }
  return {
    pass: true,
    message: `the counter equals 3·N·d + d·B_r·T_r(T_r − 1) for N = ${cases.map((c) => c.n).join(', ')}`
  };
}

/** WASM: elements sent to and read back from onnxruntime, against FA-1's 2Nd + T_c(3Nd + 4N), + T_c block offsets. */
async function wasmTraffic(ctx: LessonContext) {
  const cases = [
    { n: 1, d: 64 },
    { n: 130, d: 64 },
    { n: 300, d: 16 }
  ];
  for (const [c, { n, d }] of cases.entries()) {
    const { q, k, v } = inputs(ctx.lab, n, d, 60 + c);
    const { result: r, trace } = await traced(ctx.lab, () => run(ctx, q, k, v));
    const tc = Math.ceil(n / r.bc);
    const want = fa1Traffic(n, d, r.bc) + tc;
    if (trace.transfers === want) continue;
    return {
      pass: false,
      message:
        `N = ${n}, d = ${d}, B_c = ${r.bc}: ${fmtInt(trace.transfers)} floats went to and from onnxruntime; FA-1's order predicts ` +
        `2·N·d + T_c·(3·N·d + 4·N) + T_c = ${fmtInt(want)} with T_c = ${tc} (K, V once; per key block: Q, acc in, acc out, m and ℓ in and out, and the block’s start).`
    };
  }
  return {
    pass: true,
    message:
      'the floats sent to and from onnxruntime equal 2·N·d + T_c·(3·N·d + 4·N) + T_c (FA-1’s model, plus one block offset per call)'
  };
}

/** FlashAttention-1's block sizes (Algorithm 1): B_c = ⌈M/4d⌉ with M = bytes/4 floats, B_r = min(B_c, d). */
function blockSizesFor(d: number, bytes: number) {
  const bc = Math.ceil(Math.floor(bytes / 4) / (4 * d));
  return { bc, br: Math.min(bc, d) };
}

function sweepInputs(lab: Lab) {
  return (size: number) => inputs(lab, size, D, 1);
}

async function gpuSweep(ctx: LessonContext, n: number[]) {
  const attention = attentionOf(ctx);
  const loads = new Map<number, { loads: number; br: number; bc: number }>();
  // Compile both shaders first: a pipeline's first dispatch includes its compilation (seconds on
  // SwiftShader), which would make the sweep predict the next point far too slow.
  const w = inputs(ctx.lab, 64, D, 9);
  await ctx.lab.time(() => attention(w.q, w.k, w.v), { warmup: 0, repeats: 1 });
  await ctx.lab.time(() => naiveAttention(ctx.lab, w.q, w.k, w.v), { warmup: 0, repeats: 1 });
  await ctx.lab.sweep({
    label: 'tiled (your flash.wgsl)',
    n,
    setup: sweepInputs(ctx.lab),
    run: async ({ q, k, v }, size) => {
      const r = await attention(q, k, v);
      if (r.loads !== null) loads.set(size, { loads: r.loads, br: r.br, bc: r.bc });
    },
    bytes: (size) => bytesOf(memory, size)
  });
  await ctx.lab.sweep({
    label: 'naive (lesson 01 kernel)',
    n,
    setup: sweepInputs(ctx.lab),
    run: ({ q, k, v }) => naiveAttention(ctx.lab, q, k, v),
    bytes: (size) => bytesOf(naiveAttentionMemory(D), size)
  });
  const { br, bc } = [...loads.values()][0] ?? { br: 16, bc: 16 };
  // The same formulas with an A100's 192 KB of SRAM per SM (FlashAttention-1, Fig. 1) as M.
  const a100 = blockSizesFor(D, 192 * 1024);
  plotTraffic(
    ctx.lab,
    n,
    [
      { label: `FA-1 model, B_c = ${bc}`, f: (m) => fa1Traffic(m, D, bc) },
      { label: `your kernel's model, B_r = ${br}`, f: (m) => fa2CausalTraffic(m, D, br) },
      { label: `same, if M were 192 KB: B_r = ${a100.br}`, f: (m) => fa2CausalTraffic(m, D, a100.br) }
    ],
    {
      label: 'your kernel: load counter + N·d writes of O',
      points: [...loads].map(([m, x]) => [m, x.loads + m * D] as [number, number])
    }
  );
}

async function wasmSweep(ctx: LessonContext, n: number[]) {
  const attention = attentionOf(ctx);
  const transfers = new Map<number, { floats: number; bc: number }>();
  // Start onnxruntime before timing: its first run loads and compiles its WebAssembly.
  const w = inputs(ctx.lab, 64, D, 9);
  await ctx.lab.time(() => attention(w.q, w.k, w.v), { warmup: 0, repeats: 1 });
  await ctx.lab.sweep({
    label: 'tiled (your key-block loop)',
    n,
    setup: sweepInputs(ctx.lab),
    run: async ({ q, k, v }, size) => {
      const { result, trace } = await traced(ctx.lab, () => attention(q, k, v));
      transfers.set(size, { floats: trace.transfers, bc: result.bc });
    },
    bytes: (size) => bytesOf(memory, size)
  });
  const bc = [...transfers.values()][0]?.bc ?? 256;
  plotTraffic(ctx.lab, n, [{ label: `FA-1 model (your loop), B_c = ${bc}`, f: (m) => fa1Traffic(m, D, bc) }], {
    label: 'your loop: floats to and from onnxruntime',
    points: [...transfers].map(([m, x]) => [m, x.floats] as [number, number])
  });

  // The naive baseline on WASM is timed outside the sweep (one sweep series per backend here),
  // beside the tiled code at the same N, with a budget of its own.
  const budget = 8000;
  const start = performance.now();
  const tiled: [number, number][] = [];
  const naive: [number, number][] = [];
  for (const size of n) {
    if (naiveOnnxBytes(size, D) > WASM_BUDGET) break;
    const { q, k, v } = inputs(ctx.lab, size, D, 1);
    const a = await ctx.lab.time(() => attention(q, k, v), { warmup: 1, repeats: 1 });
    const b = await ctx.lab.time(() => naiveAttention(ctx.lab, q, k, v), { warmup: 1, repeats: 1 });
    tiled.push([size, a.medianMs]);
    naive.push([size, b.medianMs]);
    const spent = performance.now() - start;
    if (spent * 5 > budget) break; // the next N costs about 4× this one
  }
  ctx.lab.plot({
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

function plotTraffic(
  lab: Lab,
  n: number[],
  models: { label: string; f: (n: number) => number }[],
  measured: { label: string; points: [number, number][] }
) {
  // Smooth model curves (enough points that the chart draws them without markers); the
  // measured series comes first so that its markers are drawn on top.
  const [lo, hi] = [Math.log2(n[0]), Math.log2(n[n.length - 1])];
  const xs = Array.from({ length: 61 }, (_, i) => Math.round(2 ** (lo + ((hi - lo) * i) / 60)));
  const curve = (f: (n: number) => number) => xs.map((m) => [m, f(m)] as [number, number]);
  const big = n[n.length - 1];
  lab.plot({
    id: 'traffic',
    title: `Global memory traffic, d = ${D}: measured (solid) and models (dashed, step 5)`,
    x: { label: 'N', log: true },
    y: { label: 'elements read + written', log: true },
    series: [
      { label: measured.label, points: measured.points },
      { label: 'standard attention, 4Nd + 4N²', points: curve((m) => standardTraffic(m, D)), dashed: true },
      // Say how each model compares with standard attention at the largest N (lines may overlap).
      ...models.map((m) => ({
        label: `${m.label} (×${(m.f(big) / standardTraffic(big, D)).toPrecision(2)} standard at N = ${big})`,
        points: curve(m.f),
        dashed: true
      }))
    ]
  });
}
