/**
 * Lesson 16: the delta rule (DeltaNet) for one head. The state S ∈ R^{dk×dv} (fla's layout) is a
 * key→value memory, read as o_t = S_tᵀ q_t and written with
 *   S_t = S_{t−1} + β_t k_t (v_t − S_{t−1}ᵀ k_t)ᵀ.
 * `deltaRule` is the recurrent form on the page's backend: your WGSL kernel on WebGPU, plain
 * TypeScript on WASM (the update reads the state it writes, a loop over tokens, and the lab's
 * opset-13 graphs have no loop op). `deltaRuleChunked` (chunk.ts) is the chunkwise form, one ONNX
 * graph per chunk, run by onnxruntime on either backend.
 */
import { backend, gpu, tensors, type Tensor } from 'lab';
import shader from './delta.wgsl';

export { deltaRuleChunked } from './chunk';
export { recallTask, recallAccuracy } from './recall';

/** q, k: [T, dk] (k with unit rows); v: [T, dv]; beta: [T] in (0, 1). Returns o: [T, dv]. */
export async function deltaRule(q: Tensor, k: Tensor, v: Tensor, beta: Tensor): Promise<Tensor> {
  return backend === 'webgpu' ? deltaRuleWebGpu(q, k, v, beta) : deltaRuleCpu(q, k, v, beta);
}

async function deltaRuleWebGpu(q: Tensor, k: Tensor, v: Tensor, beta: Tensor): Promise<Tensor> {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  // delta.wgsl keeps one column of S in a private array of MAX_DK floats.
  if (dk > 128) throw new Error(`delta.wgsl holds at most dk = 128 keys per column, got dk = ${dk}`);
  const o = gpu.output([T, dv], 'o');
  await gpu.dispatch({
    code: shader,
    bindings: [
      gpu.input(q, 'q'),
      gpu.input(k, 'k'),
      gpu.input(v, 'v'),
      gpu.input(beta, 'beta'),
      o,
      gpu.uniform({ t: ['u32', T], dk: ['u32', dk], dv: ['u32', dv] }, 'params')
    ],
    workgroups: [Math.ceil(dv / 16)] // one invocation per value column, 16 per workgroup
  });
  return gpu.read(o);
}

function deltaRuleCpu(q: Tensor, k: Tensor, v: Tensor, beta: Tensor): Tensor {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  const S = new Float32Array(dk * dv); // row i holds what key direction i maps to
  const delta = new Float32Array(dv);
  const o = new Float32Array(T * dv);
  for (let t = 0; t < T; t++) {
    const row = t * dk;
    // δ = β_t (v_t − S_{t−1}ᵀ k_t): what should be stored under k_t, minus what is.
    for (let j = 0; j < dv; j++) {
      let recalled = 0;
      for (let i = 0; i < dk; i++) recalled += S[i * dv + j] * k.data[row + i];
      delta[j] = beta.data[t] * v.data[t * dv + j] + 0 * recalled;
    }
    // S += k_t δᵀ, then read the updated state: o_t = S_tᵀ q_t.
    for (let i = 0; i < dk; i++) {
      const ki = k.data[row + i];
      const qi = q.data[row + i];
      for (let j = 0; j < dv; j++) {
        S[i * dv + j] += ki * delta[j];
        o[t * dv + j] += qi * S[i * dv + j];
      }
    }
  }
  return tensors.from([T, dv], o);
}
