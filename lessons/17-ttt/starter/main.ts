/**
 * Lesson 17: TTT-Linear for one head. The hidden state is the weight matrix W ∈ R^{dk×dv} of an
 * inner linear model f(k) = Wᵀk, trained while the sequence streams past: each token takes one
 * gradient step on ℓ_t(W) = ½‖Wᵀk_t − v_t‖², and its output is z_t = W_tᵀ q_t.
 * Mini-batch TTT (size b) takes every gradient of a mini-batch at the batch-start weights W₀, and
 * reads each output through the dual form (README, step 2) without forming the W_t in between.
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
  const z = new Float32Array(T * dv);
  for (let t = 0; t < T; t++) {
    // TODO: token t's Titans step (README, "Titans: momentum and forgetting"), then its output:
    // - the surprise S carries a share η_t of itself over from the last token and moves against
    //   the gradient of ½‖Mᵀk_t − v_t‖², taken at the memory before this token, scaled by θ_t;
    // - the memory first forgets a share α_t of itself, then takes the whole surprise;
    // - z_t reads the memory after this token's step, through q_t.
    // With η = α = 0 this must be exactly `ttt(…, 1)` with η replaced by θ (the delta rule).
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
    const n = Math.min(b, T - start); // tokens in this mini-batch (the last one may be shorter)
    // TODO: one mini-batch step, in three parts, so that z holds z_t = W_tᵀ q_t for its n tokens:
    // 1. g (rows s = 0 … n−1, dv wide): every token's gradient step, all taken at W₀ (what W holds
    //    now, at the batch start) and scaled by its own η, so that no part depends on another.
    // 2. z for each token t of the batch: what W₀ returns for q_t, corrected by the steps token t
    //    has taken inside the batch (which ones? t reads the model after its own step), without
    //    forming any W_t: the correction goes through the in-batch scores q_t·k_s.
    // 3. W: move it to the batch end, every step of the batch applied at once, one update per batch.
    // With b = 1 this must be exactly the delta rule with β = η (lesson 16).
  }
  return tensors.from([T, dv], z);
}
