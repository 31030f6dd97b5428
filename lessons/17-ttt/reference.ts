/**
 * Float64 references for lesson 17. TTT-Linear with b = 1 is the registry's delta rule with β = η
 * (src/lib/kernels, `delta_rule`); mini-batch TTT is not in the registry, so it is written here,
 * straight from the primal definition (it forms every W_t, unlike the learner's dual form):
 *   W_t = W₀ − Σ_{s=start…t} η_s k_s (W₀ᵀ k_s − v_s)ᵀ,   z_t = W_tᵀ q_t,
 * with W₀ the weights at the start of t's mini-batch. Cost O(T·dk·dv). Unlike fla's
 * ttt/naive.py::chunk_ttt_linear_ref there is no LayerNorm, residual or bias inside f, and the
 * target is v itself (fla reconstructs v − k): this is the plain linear case the identity needs.
 * Titans' linear memory (momentum and forgetting, SYLLABUS §2.15) is written here too, per token,
 * O(T·dk·dv), with switches that drop one part at a time so the checks can name a missing one.
 */
import { runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };

const toF64 = (x: T) => tensor([...x.shape], x.data);

/** DeltaNet, S_t = S_{t−1} + β_t k_t (v_t − S_{t−1}ᵀ k_t)ᵀ, o_t = S_tᵀ q_t, with β = η. */
export function deltaReference(q: T, k: T, v: T, eta: T) {
  return runKernel('delta_rule', { q: toF64(q), k: toF64(k), v: toF64(v), beta: toF64(eta) }).o;
}

/**
 * Mini-batch TTT-Linear. With ownStep = false, token t reads W before its own step (the weights
 * after tokens start … t−1): the checks use it to recognise that mistake.
 */
export function tttReference(q: T, k: T, v: T, eta: T, b: number, ownStep = true) {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const W0 = new Float64Array(dk * dv);
  const z = new Float64Array(n * dv);
  for (let start = 0; start < n; start += b) {
    const end = Math.min(start + b, n);
    const Wt = Float64Array.from(W0); // W_t, advanced token by token with gradients taken at W₀
    for (let t = start; t < end; t++) {
      const read = () => {
        for (let j = 0; j < dv; j++) {
          let acc = 0;
          for (let i = 0; i < dk; i++) acc += Wt[i * dv + j] * q.data[t * dk + i];
          z[t * dv + j] = acc;
        }
      };
      if (!ownStep) read();
      for (let j = 0; j < dv; j++) {
        let pred = 0;
        for (let i = 0; i < dk; i++) pred += W0[i * dv + j] * k.data[t * dk + i];
        const g = eta.data[t] * (pred - v.data[t * dv + j]);
        for (let i = 0; i < dk; i++) Wt[i * dv + j] -= k.data[t * dk + i] * g;
      }
      if (ownStep) read();
    }
    W0.set(Wt);
  }
  return { shape: [n, dv], data: z };
}

/** Which parts of the Titans step to keep; the checks drop one at a time to recognise a mistake. */
export interface TitansParts {
  momentum?: boolean;
  forgetting?: boolean;
  ownStep?: boolean;
}

/**
 * Titans with a linear memory M ∈ R^{dk×dv}, read as M(k) = Mᵀk, loss ½‖Mᵀk_t − v_t‖²
 * (the lesson's ½; the paper's factor 2 folds into θ):
 *   S_t = η_t S_{t−1} − θ_t k_t (M_{t−1}ᵀ k_t − v_t)ᵀ     momentum, the "surprise"
 *   M_t = (1 − α_t) M_{t−1} + S_t                          forgetting
 *   z_t = M_tᵀ q_t                                         read after the step, as in TTT
 * M₀ = S₀ = 0. With η = α = 0 it is TTT-Linear with b = 1 and learning rate θ: the delta rule.
 */
export function titansReference(q: T, k: T, v: T, theta: T, eta: T, alpha: T, parts: TitansParts = {}) {
  const { momentum = true, forgetting = true, ownStep = true } = parts;
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const M = new Float64Array(dk * dv);
  const S = new Float64Array(dk * dv);
  const err = new Float64Array(dv);
  const z = new Float64Array(n * dv);
  const read = (t: number) => {
    for (let j = 0; j < dv; j++) {
      let acc = 0;
      for (let i = 0; i < dk; i++) acc += M[i * dv + j] * q.data[t * dk + i];
      z[t * dv + j] = acc;
    }
  };
  for (let t = 0; t < n; t++) {
    if (!ownStep) read(t);
    for (let j = 0; j < dv; j++) {
      let pred = 0;
      for (let i = 0; i < dk; i++) pred += M[i * dv + j] * k.data[t * dk + i];
      err[j] = pred - v.data[t * dv + j];
    }
    const keep = momentum ? eta.data[t] : 0;
    const decay = forgetting ? 1 - alpha.data[t] : 1;
    for (let i = 0; i < dk; i++) {
      for (let j = 0; j < dv; j++) {
        const e = i * dv + j;
        S[e] = keep * S[e] - theta.data[t] * k.data[t * dk + i] * err[j];
        M[e] = decay * M[e] + S[e];
      }
    }
    if (ownStep) read(t);
  }
  return { shape: [n, dv], data: z };
}
