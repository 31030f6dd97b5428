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
  const size = heads / g; // query heads per group
  // Stack the queries of each KV head's group: packed[kv] is [size, d]; order[r] is the head in row r.
  const packed = tensors.zeros([g, size, d]);
  const order: number[] = [];
  for (let kv = 0; kv < g; kv++) {
    const group = map.flatMap((x, h) => (x === kv ? [h] : []));
    if (group.length !== size)
      throw new Error(
        `kvHead gives KV head ${kv} ${group.length} query heads; with H = ${heads} and g = ${g}, each group has H/g = ${size}`
      );
    for (const h of group) {
      packed.data.set(q.data.subarray(h * d, (h + 1) * d), order.length * d);
      order.push(h);
    }
  }
  const gr = onnx.graph();
  const K = gr.input('k', [g, n, d]);
  // Scores [g, N, size]: for each KV head, its N keys against the queries of its group at once.
  const s = gr.matmul(K, gr.transpose(gr.input('q', [g, size, d]), [0, 2, 1]));
  const p = gr.softmax(s, 1); // over the N cached tokens
  const out = gr.matmul(gr.transpose(p, [0, 2, 1]), gr.input('v', [g, n, d])); // [g, size, d]
  gr.output(out);
  const result = (await onnx.run(gr, { q: packed, k: cache.k, v: cache.v }))[out.name];
  const o = tensors.zeros([heads, d]);
  order.forEach((h, r) => o.data.set(result.data.subarray(r * d, (r + 1) * d), h * d));
  return o;
}
