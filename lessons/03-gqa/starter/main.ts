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
  // TODO: which KV head does query head h read? GQA shares each KV head among a group of H/g
  // CONSECUTIVE query heads (see Step 2), the layout of real checkpoints.
  return 0;
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
  // TODO: GQA on WASM, with one MatMul per KV head for its whole group.
  //  1. Stack the queries of each KV head's group (map[h] is the KV head of query head h) into
  //     one [g, size, d] tensor, remembering which query head went into which row.
  //  2. A graph over it and the cache's k and v, [g, N, d] each, used as they are (no copy of a
  //     KV head per query head): for every KV head, its N keys against its group's queries at
  //     once, scaled by 1/√d, a softmax over the N cached tokens, and the weighted values.
  //  3. Put each result row back in its query head's row of o, [H, d].
  return tensors.zeros([heads, d]);
}
