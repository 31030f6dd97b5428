/**
 * Lesson 02: generating with a KV cache, for one attention head.
 * Prefill writes the prompt's keys and values into the cache and attends causally over them; each
 * decode step appends ONE token's key and value, then attends its query over everything cached.
 * WebGPU: the cache is two GPU buffers, written by append.wgsl and read by attend.wgsl.
 * WASM: the cache is two Float32Arrays; appending is a copy in TypeScript, attending an ONNX graph.
 */
import { backend, gpu, onnx, tensors, type GpuBuffer, type Tensor } from 'lab';
import appendShader from './append.wgsl';
import attendShader from './attend.wgsl';

/** Bytes of a KV cache: L layers, g KV heads of dimension d, N tokens, b bytes per element. */
export function kvBytes(L: number, g: number, d: number, N: number, b: number): number {
  // TODO: what does one token leave behind, in each KV head of each layer? Count every tensor cached.
  return L * g * d * N * b;
}

/** A cache with room for `capacity` tokens: row t holds token t's key (in k) and value (in v). */
export type KVCache =
  | { kind: 'webgpu'; capacity: number; d: number; k: GpuBuffer; v: GpuBuffer }
  | { kind: 'wasm'; capacity: number; d: number; k: Float32Array; v: Float32Array };

export function createCache(capacity: number, d: number): KVCache {
  if (backend === 'webgpu') {
    return {
      kind: 'webgpu',
      capacity,
      d,
      k: gpu.output([capacity, d], 'k cache'),
      v: gpu.output([capacity, d], 'v cache')
    };
  }
  return { kind: 'wasm', capacity, d, k: new Float32Array(capacity * d), v: new Float32Array(capacity * d) };
}

/** Write the keys and values of tokens pos, pos+1, … (k and v are [T, d]) into the cache. */
export async function append(cache: KVCache, pos: number, k: Tensor, v: Tensor): Promise<void> {
  const count = k.data.length;
  if (pos * cache.d + count > cache.capacity * cache.d) {
    throw new Error(`the cache holds ${cache.capacity} tokens: no room for ${k.shape[0]} more at position ${pos}`);
  }
  if (cache.kind === 'wasm') {
    // TODO: the append, on WASM. Row t of cache.k (d numbers) holds token t's key, and likewise in
    // cache.v. Write the T new rows as the rows of tokens pos, pos+1, … in place: the arrays are
    // the cache, so no other row changes and nothing is reallocated.
    return;
  }
  const temporary = [
    gpu.input(k, 'new keys'),
    gpu.input(v, 'new values'),
    gpu.uniform({ pos: ['u32', pos], count: ['u32', count], d: ['u32', cache.d] }, 'append params')
  ];
  const [kNew, vNew, params] = temporary;
  await gpu.dispatch({
    code: appendShader,
    bindings: [kNew, vNew, cache.k, cache.v, params],
    workgroups: [Math.ceil(count / 256)]
  });
  for (const b of temporary) gpu.release(b); // the rows now live in the cache
}

/** Queries of tokens pos, pos+1, … (q is [T, d]) attend to the cached tokens up to their own. */
export async function attend(cache: KVCache, pos: number, q: Tensor): Promise<Tensor> {
  const [T, d] = q.shape;
  const keys = pos + T; // the last query sees tokens 0..pos+T−1
  const scale = 1 / Math.sqrt(d);
  if (cache.kind === 'webgpu') {
    const o = gpu.output([T, d], 'o');
    const temporary = [
      gpu.input(q, 'q'),
      gpu.scratch(T * keys, 'scores'),
      gpu.uniform({ pos: ['u32', pos], keys: ['u32', keys], d: ['u32', d], scale: ['f32', scale] }, 'attend params')
    ];
    const [qBuf, scores, params] = temporary;
    await gpu.dispatch({ code: attendShader, bindings: [qBuf, cache.k, cache.v, scores, o, params], workgroups: [T] });
    const out = await gpu.read(o);
    for (const b of [...temporary, o]) gpu.release(b);
    return out;
  }
  // TODO: the cached read, on WASM. Give onnxruntime the rows of the cache that these queries may
  // see (views into cache.k and cache.v, not copies) and a graph for their attention over them
  // (lesson 01's graph; g.softmax is fine here), scaled by `scale`. When several queries come at
  // once (prefill), query i is token pos + i: hide from it every key of a later token.
  return tensors.zeros([T, d]);
}

/** One decode step for token t: cache its key and value, then attend its query over tokens 0..t. */
export async function decodeStep(cache: KVCache, t: number, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  // TODO: one decode step with append and attend. Token t's output is its attention over tokens
  // 0..t, itself included, and afterwards the cache must hold token t for the steps that follow.
  return tensors.zeros([1, cache.d]);
}

/**
 * Prefill tokens 0..P−1 at once, then decode the rest one token at a time; returns o, [N, d].
 * In a real model token t's q, k, v come from the token sampled at step t − 1. Here they are
 * given, so the result can be compared with attention recomputed over the whole sequence.
 */
export async function generate(q: Tensor, k: Tensor, v: Tensor, promptLength: number): Promise<Tensor> {
  const [n, d] = q.shape;
  const rows = (x: Tensor, from: number, to: number) => tensors.from([to - from, d], x.data.subarray(from * d, to * d));
  const cache = createCache(n, d);
  const out = tensors.zeros([n, d]);

  await append(cache, 0, rows(k, 0, promptLength), rows(v, 0, promptLength));
  out.data.set((await attend(cache, 0, rows(q, 0, promptLength))).data, 0);

  for (let t = promptLength; t < n; t++) {
    const o = await decodeStep(cache, t, rows(q, t, t + 1), rows(k, t, t + 1), rows(v, t, t + 1));
    out.data.set(o.data, t * d);
  }
  if (cache.kind === 'webgpu') [cache.k, cache.v].forEach((b) => gpu.release(b));
  return out;
}
