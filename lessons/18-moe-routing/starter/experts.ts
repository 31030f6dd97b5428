/**
 * Lesson 18's expert FFN, given: expertFfn(x, experts, e) runs expert e (SwiGLU, as in DeepSeek-V3)
 * on the rows of x, and only on them. On WebGPU it is ONE dispatch of expert-ffn.wgsl with one
 * workgroup per row; on WASM it is ONE onnxruntime graph run whose input x has exactly those rows.
 * Either way the harness sees how many rows each expert was handed, which is what the check
 * "work ∝ K, not E" reads. Cost: 2·3·d·h FLOPs per row; an expert handed no rows costs nothing.
 */
import { backend, gpu, onnx, type Graph, type Tensor, type Value } from 'lab';
import shader from './expert-ffn.wgsl';

/** E experts' weights, stacked: expert e's matrices are w1[e], w3[e] ([d, h]) and w2[e] ([h, d]). */
export interface Experts {
  readonly w1: Tensor; // [E, d, h]
  readonly w3: Tensor; // [E, d, h]
  readonly w2: Tensor; // [E, h, d]
}

/** Expert e's matrix from a stacked [E, a, b] tensor, as an [a, b] view (no copy). */
function slice(w: Tensor, e: number): Tensor {
  const [, a, b] = w.shape;
  return { shape: [a, b], data: w.data.subarray(e * a * b, (e + 1) * a * b) };
}

/** y = FFN_e(x) for the rows of x ([rows, d] → [rows, d]). */
export async function expertFfn(x: Tensor, experts: Experts, e: number): Promise<Tensor> {
  const [rows, d] = x.shape;
  const [count, , h] = experts.w1.shape;
  if (e < 0 || e >= count || !Number.isInteger(e))
    throw new Error(`expertFfn: expert ${e} is not one of 0 … ${count - 1}`);
  if (rows === 0) return { shape: [0, d], data: new Float32Array(0) };
  const w = { w1: slice(experts.w1, e), w3: slice(experts.w3, e), w2: slice(experts.w2, e) };
  return backend === 'webgpu' ? ffnWebGpu(x, w, d, h) : ffnOnnx(x, w, d, h);
}

async function ffnWebGpu(x: Tensor, w: { w1: Tensor; w3: Tensor; w2: Tensor }, d: number, h: number) {
  const rows = x.shape[0];
  const code = shader
    .replace(/const D: u32 = \d+u;/, `const D: u32 = ${d}u;`)
    .replace(/const H: u32 = \d+u;/, `const H: u32 = ${h}u;`);
  const y = gpu.output([rows, d], 'y');
  await gpu.dispatch({
    code,
    file: 'expert-ffn.wgsl',
    bindings: [gpu.input(x, 'x'), gpu.input(w.w1, 'w1'), gpu.input(w.w3, 'w3'), gpu.input(w.w2, 'w2'), y],
    workgroups: [rows] // one workgroup per routed token
  });
  return gpu.read(y);
}

const graphs = new Map<string, { graph: Graph; y: Value }>();

/** The SwiGLU graph for `rows` rows (ONNX shapes are static: one graph per row count, cached). */
function ffnGraph(rows: number, d: number, h: number) {
  const key = `${rows}:${d}:${h}`;
  const hit = graphs.get(key);
  if (hit) return hit;
  const g = onnx.graph();
  const [x, w1, w3, w2] = [
    g.input('x', [rows, d]),
    g.input('w1', [d, h]),
    g.input('w3', [d, h]),
    g.input('w2', [h, d])
  ];
  const a = g.matmul(x, w1);
  const silu = g.div(a, g.add(g.constant(1), g.exp(g.sub(g.constant(0), a))));
  const y = g.matmul(g.mul(silu, g.matmul(x, w3)), w2);
  g.output(y);
  const built = { graph: g, y };
  graphs.set(key, built);
  return built;
}

async function ffnOnnx(x: Tensor, w: { w1: Tensor; w3: Tensor; w2: Tensor }, d: number, h: number) {
  const g = ffnGraph(x.shape[0], d, h);
  const out = await onnx.run(g.graph, { x, w1: w.w1, w3: w.w3, w2: w.w2 });
  return out[g.y.name];
}
