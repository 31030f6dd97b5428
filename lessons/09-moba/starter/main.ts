/**
 * Lesson 09: MoBA, gated block attention, for one head. `moba(q, k, v, { blockSize, topk })`
 * returns o: [N, dv].
 * - WebGPU: moba.wgsl, one invocation per query: gate, top-k and online softmax over the kept
 *   blocks. The mean-pooled keys come from poolKeys (gate.ts) and go to the GPU as `pooled`.
 * - WASM: one ONNX graph scores every query against every pooled key (the gate); selectBlocks
 *   (gate.ts) picks each query's blocks; then, per block of queries, a second graph attends to
 *   the keys gathered for each query: topk·B of them (fewer in the first blocks), never N.
 * Cost: N·(N/B) gate scores and about N·topk·B keys read, against N(N+1)/2 for full attention.
 */
import { backend, gpu, onnx, type Graph, type Tensor, type Value } from 'lab';
import { poolKeys, selectBlocks } from './gate';
import shader from './moba.wgsl';

export { poolKeys, selectBlocks, sparsity } from './gate';

export interface MobaOptions {
  /** B, keys per block. */
  blockSize: number;
  /** k, blocks per query, the current one included. */
  topk: number;
}

/** MoBA attention, causal: q, k: [N, d], v: [N, dv] → o: [N, dv]. */
export async function moba(q: Tensor, k: Tensor, v: Tensor, options: MobaOptions): Promise<Tensor> {
  return backend === 'webgpu' ? mobaWebGpu(q, k, v, options) : mobaOnnx(q, k, v, options);
}

async function mobaWebGpu(q: Tensor, k: Tensor, v: Tensor, { blockSize, topk }: MobaOptions): Promise<Tensor> {
  const [n, d] = q.shape;
  const dv = v.shape[1];
  if (d % 4 !== 0 || dv % 4 !== 0) throw new Error(`moba.wgsl reads rows as vec4s: d = ${d}, dv = ${dv}`);
  // WGSL array sizes must be constants: write this run's values into the source.
  const code = shader
    .replace(/const D: u32 = \d+u;/, `const D: u32 = ${d}u;`)
    .replace(/const DV: u32 = \d+u;/, `const DV: u32 = ${dv}u;`)
    .replace(/const TOPK: u32 = \d+u;/, `const TOPK: u32 = ${topk}u;`);
  const o = gpu.output([n, dv], 'o');
  await gpu.dispatch({
    code,
    file: 'moba.wgsl',
    bindings: [
      gpu.input(q, 'q'),
      gpu.input(k, 'k'),
      gpu.input(v, 'v'),
      gpu.input(poolKeys(k, blockSize), 'pooled'),
      o,
      gpu.uniform({ n: ['u32', n], blockSize: ['u32', blockSize], scale: ['f32', 1 / Math.sqrt(d)] }, 'params')
    ],
    workgroups: [Math.ceil(n / 64)] // one invocation per query row
  });
  return gpu.read(o);
}

/** Key position of a gathered slot that holds no key: masked like a future key. */
const EMPTY = 3e38;

async function mobaOnnx(q: Tensor, k: Tensor, v: Tensor, { blockSize, topk }: MobaOptions): Promise<Tensor> {
  const [n, d] = q.shape;
  const dv = v.shape[1];
  const pooled = poolKeys(k, blockSize);
  const blocks = pooled.shape[0];
  const gate = gateGraph(n, d, blocks);
  const scores = (await onnx.run(gate.graph, { q, pooled }))[gate.out.name].data; // [N, blocks]
  const o = new Float32Array(n * dv);
  for (let c = 0; c < blocks; c++) {
    const first = c * blockSize;
    const rows = Math.min(n, first + blockSize) - first;
    // Each query's keys: those of the blocks its gate kept (the current one up to its end).
    const selected: number[][] = [];
    const keys: number[][] = [];
    for (let r = 0; r < rows; r++) {
      const i = first + r;
      selected.push(selectBlocks(scores.subarray(i * blocks, (i + 1) * blocks), c, topk));
      keys.push(selected[r].flatMap((b) => range(b * blockSize, Math.min(n, (b + 1) * blockSize))));
    }
    const width = Math.max(...keys.map((x) => x.length));
    const kg = new Float32Array(rows * width * d);
    const vg = new Float32Array(rows * width * dv);
    const kpos = new Float32Array(rows * width).fill(EMPTY);
    for (let r = 0; r < rows; r++) {
      for (const [s, j] of keys[r].entries()) {
        const at = r * width + s;
        kg.set(k.data.subarray(j * d, (j + 1) * d), at * d);
        vg.set(v.data.subarray(j * dv, (j + 1) * dv), at * dv);
        kpos[at] = j;
      }
    }
    const g = attentionGraph(rows, width, d, dv);
    const out = await onnx.run(g.graph, {
      q: { shape: [rows, 1, d], data: q.data.slice(first * d, (first + rows) * d) },
      k: { shape: [rows, width, d], data: kg },
      v: { shape: [rows, width, dv], data: vg },
      qpos: { shape: [rows, 1, 1], data: Float32Array.from(range(first, first + rows)) },
      kpos: { shape: [rows, 1, width], data: kpos }
    });
    o.set(out[g.out.name].data, first * dv);
  }
  return { shape: [n, dv], data: o };
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, x) => from + x);

const graphs = new Map<string, { graph: Graph; out: Value }>();

/** The gate's scores: every query against every block's mean key, [N, blocks] (unscaled). */
function gateGraph(n: number, d: number, blocks: number) {
  const key = `gate:${n}:${d}:${blocks}`;
  const hit = graphs.get(key);
  if (hit) return hit;
  const g = onnx.graph();
  const out = g.matmul(g.input('q', [n, d]), g.transpose(g.input('pooled', [blocks, d])));
  g.output(out);
  graphs.set(key, { graph: g, out });
  return { graph: g, out };
}

/** Softmax attention of each query row over its own gathered keys, causal: [rows, 1, dv]. */
function attentionGraph(rows: number, width: number, d: number, dv: number) {
  const key = `attend:${rows}:${width}:${d}:${dv}`;
  const hit = graphs.get(key);
  if (hit) return hit;
  const g = onnx.graph();
  const Q = g.input('q', [rows, 1, d]);
  const K = g.input('k', [rows, width, d]);
  const V = g.input('v', [rows, width, dv]);
  const [qpos, kpos] = [g.input('qpos', [rows, 1, 1]), g.input('kpos', [rows, 1, width])];
  const s = g.mul(g.matmul(Q, g.transpose(K, [0, 2, 1])), g.constant(1 / Math.sqrt(d))); // [rows, 1, width]
  const masked = g.where(g.less(qpos, kpos), g.constant(-1e30), s); // future keys and empty slots
  const out = g.matmul(g.softmax(masked, 2), V);
  g.output(out);
  graphs.set(key, { graph: g, out });
  return { graph: g, out };
}
