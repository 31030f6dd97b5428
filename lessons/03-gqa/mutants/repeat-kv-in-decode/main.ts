/**
 * Lesson 03: one decode step of grouped-query attention (GQA).
 * H query heads share g KV heads: query head h reads KV head kvHead(h, H, g). g = H is multi-head
 * attention (MHA), g = 1 is multi-query attention (MQA). The cache holds g heads, so it is H/g
 * times smaller than MHA's, and a decode step reads H/g times fewer bytes. The FLOPs do not change.
 * WebGPU: gqa.wgsl, one workgroup per query head. WASM: an ONNX graph that stacks each group's
 * queries into one matrix, so every cached key and value is read once per group, not once per head.
 */
import { backend, gpu, onnx, tensors, type GpuBuffer, type Tensor } from 'lab';
import shader from './gqa.wgsl';

/** The sweep's model: H query heads sharing G KV heads (G = 8 is MHA, G = 1 is MQA). Try 4 or 1. */
export const H = 8;
export const G = 2;

/** The KV head that query head h (0 ≤ h < H) reads, when H query heads share g KV heads. */
export function kvHead(h: number, H: number, g: number): number {
  // Groups of H/g consecutive query heads share one KV head: heads 0..H/g−1 read KV head 0, …
  return Math.floor((h * g) / H);
}

/** Bytes of a KV cache (lesson 02): L layers, g KV heads of dimension d, N tokens, b bytes each. */
export function kvBytes(L: number, g: number, d: number, N: number, b: number): number {
  return 2 * L * g * d * N * b;
}

/** A KV cache of g heads and n tokens, where this backend reads it. */
export type Cache =
  | { kind: 'webgpu'; g: number; n: number; d: number; k: GpuBuffer; v: GpuBuffer }
  | { kind: 'wasm'; g: number; n: number; d: number; k: Tensor; v: Tensor };

/** k and v are [g, N, d]: g KV heads, N cached tokens. */
export function upload(k: Tensor, v: Tensor): Cache {
  const [g, n, d] = k.shape;
  if (backend === 'webgpu') return { kind: 'webgpu', g, n, d, k: gpu.input(k, 'k cache'), v: gpu.input(v, 'v cache') };
  return { kind: 'wasm', g, n, d, k, v };
}

/** One decode step: q is [H, d], one new query per head; returns o, [H, d]. */
export async function gqaDecode(q: Tensor, cache: Cache): Promise<Tensor> {
  const heads = q.shape[0];
  const map = Array.from({ length: heads }, (_, h) => kvHead(h, heads, cache.g));
  return cache.kind === 'webgpu' ? decodeWebGpu(q, cache, map) : decodeOnnx(q, cache, map);
}

async function decodeWebGpu(q: Tensor, cache: Extract<Cache, { kind: 'webgpu' }>, map: number[]): Promise<Tensor> {
  const [heads, d] = q.shape;
  const o = gpu.output([heads, d], 'o');
  const temporary = [
    gpu.input(q, 'q'),
    gpu.input(tensors.from([heads], map), 'kv head of each query head'),
    gpu.scratch(heads * cache.n, 'scores'),
    gpu.uniform({ n: ['u32', cache.n], d: ['u32', d], scale: ['f32', 1 / Math.sqrt(d)] }, 'params')
  ];
  const [qBuf, kvOf, scores, params] = temporary;
  await gpu.dispatch({
    code: shader,
    bindings: [qBuf, kvOf, cache.k, cache.v, scores, o, params],
    workgroups: [heads]
  });
  const out = await gpu.read(o);
  for (const b of [...temporary, o]) gpu.release(b);
  return out;
}

async function decodeOnnx(q: Tensor, cache: Extract<Cache, { kind: 'wasm' }>, map: number[]): Promise<Tensor> {
  const [heads, d] = q.shape;
  const { g, n } = cache;
  if (heads % g !== 0) throw new Error(`H = ${heads} query heads cannot be split into g = ${g} equal groups`);
  // MHA on repeated K/V: query head h gets its own copy of KV head map[h].
  const repeat = (x: Tensor) => {
    const out = tensors.zeros([heads, n, d]);
    map.forEach((kv, h) => out.data.set(x.data.subarray(kv * n * d, (kv + 1) * n * d), h * n * d));
    return out;
  };
  const gr = onnx.graph();
  const s = gr.mul(
    gr.matmul(gr.input('k', [heads, n, d]), gr.transpose(gr.input('q', [heads, 1, d]), [0, 2, 1])),
    gr.constant(1 / Math.sqrt(d))
  );
  const out = gr.matmul(gr.transpose(gr.softmax(s, 1), [0, 2, 1]), gr.input('v', [heads, n, d])); // [H, 1, d]
  gr.output(out);
  const qh = tensors.from([heads, 1, d], q.data);
  const result = (await onnx.run(gr, { q: qh, k: repeat(cache.k), v: repeat(cache.v) }))[out.name];
  return tensors.from([heads, d], result.data);
}
