/**
 * Lesson 16: the delta rule (DeltaNet) for one head. The state S ∈ R^{dk×dv} (fla's layout) is a
 * key→value memory, read as o_t = S_tᵀ q_t and written with
 *   S_t = S_{t−1} + β_t k_t (v_t − S_{t−1}ᵀ k_t)ᵀ.
 * `deltaRule` is the recurrent form on the page's backend: your WGSL kernel on WebGPU, plain
 * TypeScript on WASM (the update reads the state it writes, a loop over tokens, and the lab's
 * opset-13 graphs have no loop op). `deltaRuleChunked` (chunk.ts) is the chunkwise form, one ONNX
 * graph per chunk, run by onnxruntime on either backend. `gatedDeltaRule` is Gated DeltaNet, the
 * delta rule under a forget gate: gated-delta.wgsl on WebGPU, TypeScript on WASM.
 */
import { backend, gpu, tensors, type Tensor } from 'lab';
import shader from './delta.wgsl';
import gatedShader from './gated-delta.wgsl';

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
    // TODO: this writes β_t v_t on top of what S already stores under k_t (linear attention).
    // Make delta the delta rule's write: after the update, what S returns for k_t must have moved
    // a fraction β_t of the way from what it returned before the write to v_t (with β_t = 1 and
    // a unit key, exactly v_t: replaced, not added to). Row i of S is S[i·dv … i·dv + dv).
    for (let j = 0; j < dv; j++) {
      delta[j] = beta.data[t] * v.data[t * dv + j];
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

// ---------------------------------------------------------------------------------------------
// Gated DeltaNet: a forget gate α_t = e^{g_t} ∈ (0, 1] on top of the delta rule,
//   S_t = α_t (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t v_tᵀ,   o_t = S_tᵀ q_t.
// The same recurrence and cost as deltaRule, plus dk·dv multiplies per token for the decay.

/** q, k: [T, dk] (k with unit rows); v: [T, dv]; beta: [T] in (0, 1); g: [T] log gates ≤ 0. Returns o: [T, dv]. */
export async function gatedDeltaRule(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, g: Tensor): Promise<Tensor> {
  return backend === 'webgpu' ? gatedWebGpu(q, k, v, beta, g) : gatedCpu(q, k, v, beta, g);
}

async function gatedWebGpu(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, g: Tensor): Promise<Tensor> {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  if (dk > 128) throw new Error(`gated-delta.wgsl holds at most dk = 128 keys per column, got dk = ${dk}`);
  const o = gpu.output([T, dv], 'o');
  await gpu.dispatch({
    code: gatedShader,
    bindings: [
      gpu.input(q, 'q'),
      gpu.input(k, 'k'),
      gpu.input(v, 'v'),
      gpu.input(beta, 'beta'),
      gpu.input(g, 'g'),
      o,
      gpu.uniform({ t: ['u32', T], dk: ['u32', dk], dv: ['u32', dv] }, 'params')
    ],
    workgroups: [Math.ceil(dv / 16)] // one invocation per value column, 16 per workgroup
  });
  return gpu.read(o);
}

function gatedCpu(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, g: Tensor): Tensor {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  const S = new Float32Array(dk * dv); // row i holds what key direction i maps to
  const edit = new Float32Array(dv); // δ, what token t writes under k_t
  const out = new Float32Array(T * dv);
  for (let t = 0; t < T; t++) {
    const row = t * dk;
    // TODO 1: forget. Token t's gate α_t = e^{g_t} fades everything S holds, before this token
    // touches it (the part the delta rule is about to erase included).
    // TODO 2: then the delta rule's write, into edit (as in deltaRule): what S returns for k_t after
    // the write must have moved a fraction β_t of the way from what the faded S returns to v_t.
    // Here: edit stays 0, nothing is written.
    // S += k_t δᵀ, then read the state after the write: o_t = S_tᵀ q_t.
    for (let i = 0; i < dk; i++) {
      for (let j = 0; j < dv; j++) {
        S[i * dv + j] += k.data[row + i] * edit[j];
        out[t * dv + j] += q.data[row + i] * S[i * dv + j];
      }
    }
  }
  return tensors.from([T, dv], out);
}
