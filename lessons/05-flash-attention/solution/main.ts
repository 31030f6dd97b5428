/**
 * Lesson 05: causal attention for one head without the N×N score matrix.
 * Step (a) is online-softmax.ts. Step (b) is flash.wgsl on WebGPU; on WASM the same online softmax
 * runs as one small ONNX graph per block of keys, driven by the loop at the bottom of this file;
 * on the simd backend it is flash.as.ts, AssemblyScript compiled to WebAssembly with SIMD.
 */
import { backend, gpu, onnx, simd, tensors, type Graph, type Tensor, type Value } from 'lab';
import shader from './flash.wgsl';

export { onlineSoftmax } from './online-softmax';

/** One run: the output, the block sizes it used, and the Q/K/V elements it read (WebGPU). */
export interface FlashResult {
  o: Tensor;
  bc: number; // keys per tile
  br: number; // query rows per block
  loads: number | null;
}

/** B_c = ⌈M/4d⌉ with M the workgroup memory in f32 elements, B_r = min(B_c, d) (FA-1, Algorithm 1). */
export function blockSizes(d: number, workgroupBytes: number): { bc: number; br: number } {
  const m = Math.floor(workgroupBytes / 4);
  const bc = Math.ceil(m / (4 * d));
  return { bc, br: Math.min(bc, d) };
}

/**
 * Keys per block on the simd backend: a block of K and V (2·B_c·d floats, 32 KiB at B_c = 64 and
 * d = 64) stays in the CPU's cache while every row of a query block reuses it. Try others: the
 * sweep's key-block chart times the choices side by side.
 */
export const KEY_BLOCK_SIMD = 64;

/** Causal attention: q, k, v are [N, d]. `keyBlock` sets B_c on the simd backend. */
export async function attention(q: Tensor, k: Tensor, v: Tensor, keyBlock = KEY_BLOCK_SIMD): Promise<FlashResult> {
  if (backend === 'simd') return flashSimd(q, k, v, keyBlock);
  return backend === 'webgpu' ? flashWebGpu(q, k, v) : flashOnnx(q, k, v);
}

/** Rows of a query block in flash.as.ts (its QUERY_ROWS): the scratch holds m and ℓ for each. */
const QUERY_ROWS_SIMD = 8;

/** The simd backend: q, k, v into the module's memory, one call of flash.as.ts, o back out. */
function flashSimd(q: Tensor, k: Tensor, v: Tensor, keyBlock: number): FlashResult {
  const [n, d] = q.shape;
  if (d % 4 !== 0) throw new Error(`flash.as.ts reads rows as f32x4s, so d must be a multiple of 4, got ${d}`);
  const bc = Math.max(1, Math.floor(keyBlock));
  const m = simd.instantiate('flash.as.ts');
  const [pq, pk, pv, po] = [m.put(q), m.put(k), m.put(v), m.alloc(n * d)];
  const scratch = m.alloc(2 * QUERY_ROWS_SIMD + bc); // m and ℓ per query row, one row's block of scores
  m.exports.attention(pq, pk, pv, po, n, d, bc, scratch);
  return { o: m.get(po, [n, d]), bc, br: QUERY_ROWS_SIMD, loads: null };
}

async function flashWebGpu(q: Tensor, k: Tensor, v: Tensor): Promise<FlashResult> {
  const [n, d] = q.shape;
  if (d % 4 !== 0) throw new Error(`flash.wgsl reads rows as vec4s, so d must be a multiple of 4, got ${d}`);
  const { bc, br } = blockSizes(d, gpu.limits.maxComputeWorkgroupStorageSize);
  // WGSL array sizes must be constants: write this run's values into the source.
  const code = shader
    .replace(/const D: u32 = \d+u;/, `const D: u32 = ${d}u;`)
    .replace(/const BR: u32 = \d+u;/, `const BR: u32 = ${br}u;`)
    .replace(/const BC: u32 = \d+u;/, `const BC: u32 = ${bc}u;`);
  const o = gpu.output([n, d], 'o');
  const loads = gpu.output([1], 'loads', 'u32');
  await gpu.dispatch({
    code,
    file: 'flash.wgsl',
    bindings: [
      gpu.input(q, 'q'),
      gpu.input(k, 'k'),
      gpu.input(v, 'v'),
      o,
      loads,
      gpu.uniform({ n: ['u32', n], scale: ['f32', 1 / Math.sqrt(d)] }, 'params')
    ],
    workgroups: [Math.ceil(n / br)] // one workgroup per block of B_r query rows
  });
  const [out, count] = await Promise.all([gpu.read(o), gpu.read(loads)]);
  return { o: out, bc, br, loads: count.data[0] };
}

/** Keys per ONNX call on WASM: each call has a fixed cost, so blocks are larger than on a GPU. */
const KEY_BLOCK = 256;

// FA-1's loop order: the outer loop runs over key blocks, and every query row's m, ℓ and acc go
// in and out of each call (the "HBM" round trip the FA-1 traffic model counts).
async function flashOnnx(q: Tensor, k: Tensor, v: Tensor): Promise<FlashResult> {
  const [n, d] = q.shape;
  let m: Float32Array = new Float32Array(n).fill(-3.4e38); // running max per row, as in flash.wgsl
  let l: Float32Array = new Float32Array(n); // running Σ e^{s−m} per row
  let acc: Float32Array = new Float32Array(n * d); // running Σ e^{s−m} v per row
  for (let start = 0; start < n; start += KEY_BLOCK) {
    const b = Math.min(KEY_BLOCK, n - start);
    const g = blockGraph(n, d, b);
    const out = await onnx.run(g.graph, {
      q,
      k: { shape: [b, d], data: k.data.slice(start * d, (start + b) * d) },
      v: { shape: [b, d], data: v.data.slice(start * d, (start + b) * d) },
      start: tensors.from([1, 1], [start]),
      m: { shape: [n, 1], data: m },
      l: { shape: [n, 1], data: l },
      acc: { shape: [n, d], data: acc }
    });
    m = out[g.m.name].data;
    l = out[g.l.name].data;
    acc = out[g.acc.name].data;
  }
  // FlashAttention-2 style: divide by ℓ once, at the end.
  const o = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) o[i * d + c] = acc[i * d + c] / l[i];
  return { o: { shape: [n, d], data: o }, bc: KEY_BLOCK, br: n, loads: null };
}

const graphs = new Map<string, { graph: Graph; m: Value; l: Value; acc: Value }>();

/** One key block [start, start + b) against all N query rows: update (m, ℓ, acc). */
function blockGraph(n: number, d: number, b: number) {
  const key = `${n}:${d}:${b}`;
  const hit = graphs.get(key);
  if (hit) return hit;
  const g = onnx.graph();
  const [Q, K, V] = [g.input('q', [n, d]), g.input('k', [b, d]), g.input('v', [b, d])];
  const [start, M, L, ACC] = [
    g.input('start', [1, 1]),
    g.input('m', [n, 1]),
    g.input('l', [n, 1]),
    g.input('acc', [n, d])
  ];
  const s = g.mul(g.matmul(Q, g.transpose(K)), g.constant(1 / Math.sqrt(d))); // [N, b]
  // Causal mask: key start + j is in the future of row i when i < start + j.
  const row = g.constant(
    Array.from({ length: n }, (_, i) => i),
    [n, 1]
  );
  const col = g.add(
    start,
    g.constant(
      Array.from({ length: b }, (_, j) => j),
      [1, b]
    )
  );
  const masked = g.where(g.less(row, col), g.constant(-1e30), s);
  const blockMax = g.reduceMax(masked, 1); // [N, 1]
  const mNew = g.where(g.less(M, blockMax), blockMax, M); // max(m, blockMax)
  const p = g.exp(g.sub(masked, mNew)); // e^{s − mNew}; masked keys give 0
  // ℓ and acc were summed against the old max: e^{m − mNew} re-bases them.
  const alpha = g.exp(g.sub(M, mNew));
  const lNew = g.add(g.mul(L, alpha), g.reduceSum(p, 1));
  const accNew = g.add(g.mul(ACC, alpha), g.matmul(p, V));
  for (const x of [mNew, lNew, accNew]) g.output(x);
  const built = { graph: g, m: mNew, l: lNew, acc: accNew };
  graphs.set(key, built);
  return built;
}
