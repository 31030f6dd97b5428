/**
 * Lesson 17's inputs: random sequences with unit keys and inner learning rates, Titans' per-token
 * rates (θ, η, α), and the learnable inner task on which the inner loss must fall (or stall, past
 * η·λ_max = 2).
 */
import type { Tensor } from 'lab';
import { uniform } from '$lib/kernels';
import type { LessonContext } from '$lib/lessons/types';

/** Scale every row of x (d wide) to unit length, in place. */
function unitRows(x: Float32Array, d: number): Float32Array {
  for (let r = 0; r < x.length / d; r++) {
    const row = x.subarray(r * d, (r + 1) * d);
    const norm = Math.hypot(...row);
    for (let i = 0; i < d; i++) row[i] /= norm;
  }
  return x;
}

/** Random inputs: unit keys, inner learning rates η ∈ (0.05, 0.95). */
export function inputs(ctx: LessonContext, T: number, dk: number, dv: number, seed: number) {
  const { tensors } = ctx.lab;
  return {
    q: tensors.randn([T, dk], seed),
    k: tensors.from([T, dk], unitRows(tensors.randn([T, dk], seed + 1).data, dk)),
    v: tensors.randn([T, dv], seed + 2),
    eta: tensors.from([T], uniform([T], seed + 3, 0.05, 0.95).data)
  };
}

/**
 * Titans' per-token rates: learning rate θ ∈ (0.05, 0.5), momentum η ∈ (0, 0.9), forgetting
 * α ∈ (0, 0.1). With unit keys, θ < 2(1 + η) keeps the heavy-ball step stable.
 */
export function titansRates(ctx: LessonContext, T: number, seed: number) {
  const { tensors } = ctx.lab;
  return {
    theta: tensors.from([T], uniform([T], seed, 0.05, 0.5).data),
    eta: tensors.from([T], uniform([T], seed + 1, 0, 0.9).data),
    alpha: tensors.from([T], uniform([T], seed + 2, 0, 0.1).data)
  };
}

/** A tensor of T zeros (η = 0 or α = 0 for every token). */
export const zerosOf = (ctx: LessonContext, T: number) => ctx.lab.tensors.from([T], new Float32Array(T));

/**
 * The inner task: v = Aᵀk for a fixed random A (d×d), so a linear W can fit it exactly. Query t
 * is the NEXT key, so z_t = W_tᵀ k_{t+1} predicts v_{t+1} before the model has seen that token:
 * ℓ_t = ½‖z_t − v_{t+1}‖² is the online (held-out) inner loss.
 */
export function innerTask(ctx: LessonContext, T: number, d: number, eta: number) {
  const { tensors } = ctx.lab;
  const keys = unitRows(tensors.randn([T + 1, d], 7).data, d);
  const A = tensors.randn([d, d], 8).data.map((x) => x / Math.sqrt(d));
  const values = new Float32Array((T + 1) * d);
  for (let t = 0; t <= T; t++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += A[i * d + j] * keys[t * d + i];
      values[t * d + j] = s;
    }
  }
  return {
    q: tensors.from([T, d], keys.subarray(d)),
    k: tensors.from([T, d], keys.subarray(0, T * d)),
    v: tensors.from([T, d], values.subarray(0, T * d)),
    eta: tensors.from([T], new Float32Array(T).fill(eta)),
    next: values.subarray(d)
  };
}

export function losses(z: Tensor, next: Float32Array): number[] {
  const d = z.shape[1];
  return Array.from({ length: z.shape[0] }, (_, t) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (z.data[t * d + j] - next[t * d + j]) ** 2;
    return s / 2;
  });
}

/** η·λ_max(K_bᵀK_b) over the full mini-batches: min and max (power iteration, float64). */
export function stepSizes(k: Tensor, b: number, eta: number): { min: number; max: number } {
  const [T, d] = k.shape;
  let [min, max] = [Infinity, 0];
  for (let start = 0; start + b <= T; start += b) {
    let x = new Float64Array(d).fill(1);
    let lambda = 0;
    for (let it = 0; it < 100; it++) {
      const y = new Float64Array(d);
      for (let s = start; s < start + b; s++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += k.data[s * d + i] * x[i];
        for (let i = 0; i < d; i++) y[i] += dot * k.data[s * d + i];
      }
      lambda = Math.hypot(...y);
      x = y.map((e) => e / lambda);
    }
    [min, max] = [Math.min(min, eta * lambda), Math.max(max, eta * lambda)];
  }
  return { min, max };
}

export const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
