/**
 * Lesson 01: naive causal softmax attention for one head, O = softmax(QKᵀ/√d + mask) V.
 * `attention` runs on the page's backend: your WGSL kernel on WebGPU, an ONNX graph on WASM, or on
 * the simd backend attention.as.ts, AssemblyScript compiled to WebAssembly with SIMD.
 */
import { backend, gpu, onnx, simd, type Tensor } from 'lab';
import shader from './attention.wgsl';

/** Bytes of one head's N×N float32 score matrix. */
export function scoreBytes(n: number): number {
  // Every query scores every key, and each score is a 4-byte float.
  return 4 * n * n;
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
  const scores = g.mul(g.matmul(Q, g.transpose(K)), g.constant(1 / Math.sqrt(d)));
  // Causal mask: query i must not see key j when i < j. Those scores become -1e9, so softmax gives them 0.
  const i = g.reshape(g.range(n), [n, 1]);
  const j = g.reshape(g.range(n), [1, n]);
  const masked = g.where(g.less(i, j), g.constant(-1e9), scores);
  // Row softmax: subtract each row's max ([N, 1]) so that every exponent is ≤ 0, then divide by the row's sum.
  const e = g.exp(g.sub(masked, g.reduceMax(masked, 1)));
  const probabilities = g.div(e, g.reduceSum(e, 1));
  const out = g.matmul(probabilities, V);
  g.output(out);
  const result = await onnx.run(g, { q, k, v });
  return result[out.name];
}
