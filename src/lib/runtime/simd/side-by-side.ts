/**
 * The simd backend beside onnxruntime-web, in one Node process and one thread (`npm run bench`
 * loads this through Vite; nothing on a page imports it): lesson 05's AssemblyScript solution
 * (causal FlashAttention, f32x4) against onnxruntime-web's wasm attention graph (lesson 01's:
 * MatMul, mask, Softmax, MatMul, computing the full N×N matrix) and its MatMul. Measurements are
 * interleaved (one of each in turn) so that a noisy machine slows both alike; medians are
 * reported with the ratio. Memory: the module's linear memory after the call, and the graph's
 * tensors as the lab counts them (every value of the graph, float32).
 * Cost: seconds per N up to 8K; the AssemblyScript kernel alone beyond (one repeat at 64K).
 */
import type * as Ort from 'onnxruntime-web';
import { naiveAttentionGraph } from '$lib/baselines/naive-attention';
import { mulberry32 } from '$lib/kernels/tensor';
import { createGraph, graphBytes, graphState } from '../lab/onnx-graph';
import { createEngine } from '../ort/engine';
import { type Asc, compileSimd } from './compile';

export interface SideBySideRow {
  n: number;
  d: number;
  keyBlock: number;
  simdMs: number;
  simdBytes: number;
  /** null where the graph did not run (over maxGraphN). */
  ortMs: number | null;
  ortBytes: number | null;
  /** onnxruntime's time over the AssemblyScript kernel's: above 1, the kernel is faster. */
  ratio: number | null;
  /** Useful (causal) GFLOP/s of the kernel: 2·N(N + 1)·d FLOPs. */
  simdGflops: number;
  repeats: number;
}

export interface SideBySide {
  compileMs: number;
  moduleBytes: number;
  rows: SideBySideRow[];
  matmul: { n: number; medianMs: number; gflops: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function random(length: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) x[i] = 2 * r() - 1;
  return x;
}

export async function sideBySide(options: {
  asc: Asc;
  ort: typeof Ort;
  source: string;
  n: number[];
  d?: number;
  keyBlock?: number;
  repeats?: number;
  /** Largest N at which onnxruntime's graph runs (its N×N tensors). */
  maxGraphN?: number;
  log?(line: string): void;
}): Promise<SideBySide> {
  const { asc, ort, source, d = 64, keyBlock = 64, repeats = 5, maxGraphN = 8192 } = options;
  const log = options.log ?? (() => undefined);
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const engine = createEngine(ort);

  const compiled = await compileSimd(asc, { 'flash.as.ts': source });
  const bytes = compiled.modules['flash.as.ts'];
  if (!bytes)
    throw new Error(`lesson 05's solution did not compile: ${compiled.diagnostics.map((x) => x.message).join('; ')}`);
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);

  function runSimd(q: Float32Array, k: Float32Array, v: Float32Array, n: number) {
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort: () => {
          throw new Error('abort');
        }
      }
    });
    const ex = instance.exports as Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };
    const put = (x: Float32Array) => {
      const p = ex.__new(x.byteLength, 1) >>> 0;
      new Float32Array(ex.memory.buffer, p, x.length).set(x);
      return p;
    };
    const [pq, pk, pv] = [put(q), put(k), put(v)];
    const po = ex.__new(4 * n * d, 1) >>> 0;
    const state = ex.__new(4 * (16 + keyBlock), 1) >>> 0;
    const t0 = performance.now();
    ex.attention(pq, pk, pv, po, n, d, keyBlock, state);
    const ms = performance.now() - t0;
    return {
      ms,
      bytes: ex.memory.buffer.byteLength,
      last: new Float32Array(ex.memory.buffer, po + 4 * (n - 1) * d, d).slice()
    };
  }

  const graphs = new Map<number, { model: Uint8Array; out: string; bytes: number }>();
  function naiveGraph(n: number) {
    let hit = graphs.get(n);
    if (hit) return hit;
    const g = createGraph();
    const out = naiveAttentionGraph(g, n, d);
    const state = graphState(g)!;
    hit = { model: state.serialize(), out: out.name, bytes: graphBytes(g) };
    graphs.set(n, hit);
    return hit;
  }
  async function runOrt(q: Float32Array, k: Float32Array, v: Float32Array, n: number) {
    const g = naiveGraph(n);
    const feeds = { q: { shape: [n, d], data: q }, k: { shape: [n, d], data: k }, v: { shape: [n, d], data: v } };
    const r = await engine.run(g.model, feeds, 'wasm');
    return { ms: r.ms, bytes: g.bytes, last: r.outputs[g.out].data.slice((n - 1) * d) };
  }

  const rows: SideBySideRow[] = [];
  for (const n of options.n) {
    const [q, k, v] = [random(n * d, 1), random(n * d, 2), random(n * d, 3)];
    const withOrt = n <= maxGraphN;
    const reps = n > maxGraphN ? 1 : repeats;
    // Warm-up (onnxruntime builds its session; the module's code gets tiered up), then checked.
    const a = runSimd(q, k, v, n);
    if (withOrt) {
      const b = await runOrt(q, k, v, n);
      const err = Math.max(...Array.from(a.last, (x, c) => Math.abs(x - b.last[c])));
      if (!(err < 1e-3)) throw new Error(`N = ${n}: the kernel and onnxruntime disagree (max error ${err})`);
    }
    const simd: number[] = [];
    const ortMs: number[] = [];
    let simdBytes = a.bytes;
    let ortBytes: number | null = null;
    for (let r = 0; r < reps; r++) {
      const s = runSimd(q, k, v, n);
      simd.push(s.ms);
      simdBytes = s.bytes;
      if (withOrt) {
        const o = await runOrt(q, k, v, n);
        ortMs.push(o.ms);
        ortBytes = o.bytes;
      }
    }
    const row: SideBySideRow = {
      n,
      d,
      keyBlock,
      simdMs: median(simd),
      simdBytes,
      ortMs: withOrt ? median(ortMs) : null,
      ortBytes,
      ratio: withOrt ? median(ortMs) / median(simd) : null,
      simdGflops: (2 * n * (n + 1) * d) / (median(simd) * 1e6),
      repeats: reps
    };
    log(
      `N = ${n}: AssemblyScript ${row.simdMs.toFixed(1)} ms, onnxruntime ${row.ortMs?.toFixed(1) ?? '—'} ms` +
        (row.ratio ? ` (×${row.ratio.toFixed(2)})` : '')
    );
    rows.push(row);
  }

  // onnxruntime's MatMul, 1024³, one thread: the ceiling its attention graph's two MatMuls share.
  const m = 1024;
  const g = createGraph();
  const out = g.matmul(g.input('a', [m, m]), g.input('b', [m, m]));
  g.output(out);
  const model = graphState(g)!.serialize();
  const feeds = { a: { shape: [m, m], data: random(m * m, 4) }, b: { shape: [m, m], data: random(m * m, 5) } };
  await engine.run(model, feeds, 'wasm');
  const times: number[] = [];
  for (let r = 0; r < 5; r++) times.push((await engine.run(model, feeds, 'wasm')).ms);
  const mm = median(times);
  return {
    compileMs: compiled.ms,
    moduleBytes: bytes.byteLength,
    rows,
    matmul: { n: m, medianMs: mm, gflops: (2 * m ** 3) / (mm * 1e6) }
  };
}
