/**
 * Lesson 17: TTT-Linear for one head. The hidden state is the weight matrix W ∈ R^{dk×dv} of an
 * inner linear model f(k) = Wᵀk, trained while the sequence streams past: each token takes one
 * gradient step on ℓ_t(W) = ½‖Wᵀk_t − v_t‖², and its output is z_t = W_tᵀ q_t.
 * Mini-batch TTT (size b) takes every gradient of a mini-batch at the batch-start weights W₀:
 *   g_s = η_s (W₀ᵀ k_s − v_s),   z_t = W₀ᵀ q_t − Σ_{s≤t} (q_t·k_s) g_s,   W ← W₀ − Σ_s k_s g_sᵀ.
 * `ttt` runs on the page's backend: ttt.wgsl on WebGPU, plain TypeScript loops on WASM (b = 1 is
 * a loop over tokens, which the lab's opset-13 graphs cannot express). `tttGraph` (graph.ts) is
 * the same dual form as ONNX graphs, the form a CPU or GPU library would run for b > 1.
 * `titans` is Titans' linear memory: the same inner model with momentum and forgetting, per token.
 */
import { backend, gpu, tensors, type Tensor } from 'lab';
import shader from './ttt.wgsl';

export { tttGraph } from './graph';

/** q, k: [T, dk] (k with unit rows); v: [T, dv]; eta: [T]; b ≥ 1. Returns z: [T, dv]. */
export async function ttt(q: Tensor, k: Tensor, v: Tensor, eta: Tensor, b: number): Promise<Tensor> {
  return backend === 'webgpu' ? tttWebGpu(q, k, v, eta, b) : tttCpu(q, k, v, eta, b);
}

/**
 * Titans' linear memory M ∈ R^{dk×dv} for one head, one step per token, with momentum and
 * forgetting (no mini-batches): theta [T] is the inner learning rate θ_t, eta [T] the momentum η_t,
 * alpha [T] the forgetting α_t. Cost O(T·dk·dv); the state is M and the momentum S, both dk×dv.
 */
export function titans(q: Tensor, k: Tensor, v: Tensor, theta: Tensor, eta: Tensor, alpha: Tensor): Tensor {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  const M = new Float32Array(dk * dv); // the memory, M₀ = 0
  const S = new Float32Array(dk * dv); // the momentum ("surprise"), S₀ = 0
  const err = new Float32Array(dv);
  const z = new Float32Array(T * dv);
  for (let t = 0; t < T; t++) {
    // The gradient of ½‖Mᵀk_t − v_t‖² at M_{t−1} is k_t errᵀ.
    for (let j = 0; j < dv; j++) {
      let pred = 0;
      for (let i = 0; i < dk; i++) pred += M[i * dv + j] * k.data[t * dk + i];
      err[j] = pred - v.data[t * dv + j];
    }
    // S_t = η_t S_{t−1} − θ_t ∇ℓ, then M_t = (1 − α_t) M_{t−1} + S_t.
    for (let i = 0; i < dk; i++) {
      const step = theta.data[t] * k.data[t * dk + i];
      for (let j = 0; j < dv; j++) {
        const e = i * dv + j;
        S[e] = eta.data[t] * S[e] - step * err[j];
        M[e] = (1 - alpha.data[t]) * M[e] + S[e];
      }
    }
    // z_t = M_tᵀ q_t, after the step.
    for (let j = 0; j < dv; j++) {
      let acc = 0;
      for (let i = 0; i < dk; i++) acc += M[i * dv + j] * q.data[t * dk + i];
      z[t * dv + j] = acc;
    }
  }
  return tensors.from([T, dv], z);
}

async function tttWebGpu(q: Tensor, k: Tensor, v: Tensor, eta: Tensor, b: number): Promise<Tensor> {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  // ttt.wgsl keeps a column of W (dk ≤ 128) and one g per batch token (b ≤ 64) in workgroup memory.
  if (dk > 128 || b > 64) throw new Error(`ttt.wgsl needs dk ≤ 128 and b ≤ 64, got dk = ${dk}, b = ${b}`);
  const qb = gpu.input(q, 'q');
  const kb = gpu.input(k, 'k');
  const scores = gpu.scratch(T * b, 'scores'); // [T, b]: q_t·k_s inside each mini-batch
  const params = gpu.uniform({ t: ['u32', T], dk: ['u32', dk], dv: ['u32', dv], b: ['u32', b] }, 'params');
  const o = gpu.output([T, dv], 'o');
  await gpu.dispatch({
    code: shader,
    entryPoint: 'scores',
    bindings: [qb, kb, scores, params],
    workgroups: [Math.ceil(T / 64)]
  });
  await gpu.dispatch({
    code: shader,
    bindings: [qb, kb, scores, params, gpu.input(v, 'v'), gpu.input(eta, 'eta'), o],
    workgroups: [dv] // one workgroup per value column of W
  });
  return gpu.read(o);
}

function tttCpu(q: Tensor, k: Tensor, v: Tensor, eta: Tensor, b: number): Tensor {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  const W = new Float32Array(dk * dv); // the inner model, W₀ = 0
  const g = new Float32Array(b * dv); // g_s for the tokens of the current mini-batch
  const z = new Float32Array(T * dv);
  for (let start = 0; start < T; start += b) {
    const n = Math.min(b, T - start);
    // 1. Every token's gradient at W₀, the weights at the start of the mini-batch.
    for (let s = 0; s < n; s++) {
      const t = start + s;
      for (let j = 0; j < dv; j++) {
        let pred = 0;
        for (let i = 0; i < dk; i++) pred += W[i * dv + j] * k.data[t * dk + i];
        g[s * dv + j] = eta.data[t] * (pred - v.data[t * dv + j]);
      }
    }
    // 2. z_t = W₀ᵀ q_t − Σ_{s≤t} (q_t·k_s) g_s: token t reads W after the steps of tokens start … t.
    for (let r = 0; r < n; r++) {
      const t = start + r;
      for (let i = 0; i < dk; i++) {
        const qi = q.data[t * dk + i];
        for (let j = 0; j < dv; j++) z[t * dv + j] += qi * W[i * dv + j];
      }
      for (let s = 0; s <= r; s++) {
        let a = 0;
        for (let i = 0; i < dk; i++) a += q.data[t * dk + i] * k.data[(start + s) * dk + i];
        for (let j = 0; j < dv; j++) z[t * dv + j] -= a * g[s * dv + j];
      }
    }
    // 3. W ← W₀ − Σ_s k_s g_sᵀ.
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < dk; i++) {
        const ki = k.data[(start + s) * dk + i];
        for (let j = 0; j < dv; j++) W[i * dv + j] -= ki * g[s * dv + j];
      }
    }
  }
  return tensors.from([T, dv], z);
}
