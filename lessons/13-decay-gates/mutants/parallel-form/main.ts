/**
 * Lesson 13: gated linear attention in chunks, with g_t = ln α_t ≤ 0 the log decay of token t:
 *   S_t = e^{g_t}·S_{t−1} + k_t v_tᵀ,   o_t = scale·S_tᵀ q_t.
 * WebGPU: the two passes of gla.wgsl. WASM: two ONNX graphs (all the work that is parallel over
 * chunks) around a short TypeScript loop from chunk to chunk.
 */
import { backend, gpu, onnx, tensors, type Tensor } from 'lab';
import shader from './gla.wgsl';

/** RetNet's fixed decay for head h = 0, 1, 2, …: γ_h = 1 − 2^(−5−h). */
export function retnetGamma(h: number): number {
  return 1 - 2 ** (-5 - h);
}

/** q, k: [T, dk]; v: [T, dv]; g: [T] log decays ≤ 0; returns o: [T, dv]. */
export async function gatedAttention(q: Tensor, k: Tensor, v: Tensor, g: Tensor, chunk = 64) {
  return backend === 'webgpu' ? onGpu(q, k, v, g, chunk) : parallel(q, k, v, g);
}

/** The parallel form, O = scale · ((QKᵀ) ⊙ D) V, with D_ts = e^{G_t − G_s} over the whole sequence. */
async function parallel(q: Tensor, k: Tensor, v: Tensor, g: Tensor): Promise<Tensor> {
  const [t, dk] = q.shape;
  const dv = v.shape[1];
  const G = new Float64Array(t);
  for (let i = 0; i < t; i++) G[i] = (i > 0 ? G[i - 1] : 0) + g.data[i];
  const mask = tensors.zeros([t, t]);
  for (let i = 0; i < t; i++) for (let j = 0; j <= i; j++) mask.data[i * t + j] = Math.exp(G[i] - G[j]);
  const a = onnx.graph();
  const Q = a.input('q', [t, dk]);
  const K = a.input('k', [t, dk]);
  const V = a.input('v', [t, dv]);
  const D = a.input('d', [t, t]);
  const out = a.mul(a.matmul(a.mul(a.matmul(Q, a.transpose(K)), D), V), a.constant(1 / Math.sqrt(dk)));
  a.output(out);
  return (await onnx.run(a, { q, k, v, d: mask }))[out.name];
}

async function onGpu(q: Tensor, k: Tensor, v: Tensor, g: Tensor, C: number): Promise<Tensor> {
  const [t, dk] = q.shape;
  const dv = v.shape[1];
  if (dv > 64) throw new Error(`gla.wgsl holds a row of dv values in registers: dv = ${dv} > 64`);
  const scale = 1 / Math.sqrt(dk);
  const shared = [
    gpu.input(k, 'k'),
    gpu.input(v, 'v'),
    gpu.input(g, 'g'),
    gpu.scratch(Math.ceil(t / C) * dk * dv, 'chunk states'),
    gpu.uniform({ t: ['u32', t], dk: ['u32', dk], dv: ['u32', dv], chunk: ['u32', C], scale: ['f32', scale] }, 'params')
  ];
  const o = gpu.output([t, dv], 'o');
  const pass = (entryPoint: string, bindings: typeof shared, workgroups: number) =>
    gpu.dispatch({ code: shader, entryPoint, bindings, workgroups: [workgroups] });
  await pass('states', shared, Math.ceil(dk / 16)); // one invocation per state row, 16 per group
  await pass('outputs', [...shared, gpu.input(q, 'q'), o], Math.ceil(t / 64)); // one per token
  return gpu.read(o);
}
