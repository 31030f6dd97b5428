/**
 * Lesson 01: naive causal softmax attention for one head, O = softmax(QKᵀ/√d + mask) V.
 * `attention` runs on the page's backend: your WGSL kernel on WebGPU, an ONNX graph on WASM, or on
 * the simd backend attention.as.ts, AssemblyScript compiled to WebAssembly with SIMD.
 */
import { backend, gpu, onnx, simd, type Tensor } from 'lab';
import shader from './attention.wgsl';

/** Bytes of one head's N×N float32 score matrix. */
export function scoreBytes(n: number): number {
  // TODO: how many scores are there for N queries and N keys, and how many bytes is each?
  return 4 * n;
}

/** Causal attention: q, k, v are [N, d]; returns o, [N, d]. */
export async function attention(q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  if (backend === 'simd') return attentionSimd(q, k, v);
  return backend === 'webgpu' ? attentionWebGpu(q, k, v) : attentionOnnx(q, k, v);
}

/** The simd backend: q, k, v into the module's memory, one call of attention.as.ts, o back out. */
function attentionSimd(q: Tensor, k: Tensor, v: Tensor): Tensor {
  const [n, d] = q.shape;
  if (d % 4 !== 0) throw new Error(`attention.as.ts reads rows as f32x4s, so d must be a multiple of 4, got ${d}`);
  const m = simd.instantiate('attention.as.ts');
  const [pq, pk, pv] = [m.put(q), m.put(k), m.put(v)];
  const [scores, po] = [m.alloc(n * n), m.alloc(n * d)]; // the N×N score matrix, as on the GPU
  m.exports.attention(pq, pk, pv, scores, po, n, d);
  return m.get(po, [n, d]);
}

async function attentionWebGpu(q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, d] = q.shape;
  const o = gpu.output([n, d], 'o');
  await gpu.dispatch({
    code: shader,
    bindings: [
      gpu.input(q, 'q'),
      gpu.input(k, 'k'),
      gpu.input(v, 'v'),
      gpu.scratch(n * n, 'scores'),
      o,
      gpu.uniform({ n: ['u32', n], d: ['u32', d], scale: ['f32', 1 / Math.sqrt(d)] }, 'params')
    ],
    workgroups: [Math.ceil(n / 64)] // one invocation per query row, 64 per workgroup
  });
  return gpu.read(o);
}

async function attentionOnnx(q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, d] = q.shape;
  const g = onnx.graph();
  const Q = g.input('q', [n, d]);
  const K = g.input('k', [n, d]);
  const V = g.input('v', [n, d]);
  // TODO: the same three steps as attention.wgsl, as graph nodes (see the Graph type for its ops).
  //  1. S, [N, N]: the scaled scores of every query against every key. Scores a query may not see
  //     (a later key, i < j) must get weight 0 after the softmax: replace them by -1e9.
  //  2. P, [N, N]: the softmax of each row of S, written out from its parts (not g.softmax). Keep
  //     every exponent at or below 0, so that large scores cannot overflow; each row sums to 1.
  //  3. O = P V, [N, d].
  const out = g.mul(V, g.constant(0)); // placeholder of the right shape: zeros
  g.output(out);
  const result = await onnx.run(g, { q, k, v });
  return result[out.name];
}
