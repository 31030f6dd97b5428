// Linear attention in its three equivalent forms (syllabus §2.10):
//   o_t = scale · Σ_{s≤t} (q_t·k_s) v_s      (no feature map, no normaliser)
// which, with the state S_t = Σ_{s≤t} k_s v_sᵀ ∈ R^{dk×dv}, is o_t = scale · S_tᵀ q_t
// (fla's layout: the state is dk×dv and is read out with its transpose).
// Cost, for T tokens:
//   recurrent  O(T·dk·dv) time, O(dk·dv) state: constant memory, no KV cache;
//   parallel   O(T²·(dk + dv)) time: (Q Kᵀ ⊙ M) V, quadratic like softmax attention;
//   chunk      O(T·C·(dk + dv) + T·dk·dv) for chunk size C: linear in T, matmul-shaped.
// Differs from softmax attention (attention.ts): dropping the softmax lets the sum over past
// keys be folded into one fixed-size matrix, which is what makes the recurrent form possible.

import { tensor, type Tensor } from './tensor';
import { expectFiniteNumber, expectForm, expectPositiveInteger, expectSameDim, expectShape } from './validate';

export type LinearForm = 'recurrent' | 'parallel' | 'chunk';
export const LINEAR_FORMS: readonly LinearForm[] = ['recurrent', 'parallel', 'chunk'];

export interface LinearAttentionInputs {
  q: Tensor; // [T, dk]
  k: Tensor; // [T, dk]
  v: Tensor; // [T, dv]
}

export interface LinearAttentionOptions {
  /** Default 1. */
  scale?: number;
  /** Default 'recurrent'. */
  form?: LinearForm;
  /** Tokens per chunk for form 'chunk'. Default 16. The last chunk may be shorter. */
  chunkSize?: number;
}

export interface LinearShapes {
  T: number;
  dk: number;
  dv: number;
}

/** Shape checks shared by the linear-attention family (linear, gated, delta rule). */
export function checkQkv(kernel: string, { q, k, v }: LinearAttentionInputs): LinearShapes {
  expectShape(kernel, 'q', q, ['T', 'dk']);
  expectShape(kernel, 'k', k, ['T', 'dk']);
  expectShape(kernel, 'v', v, ['T', 'dv']);
  expectSameDim(kernel, 'q', q, 1, 'k', k, 1, 'dk');
  expectSameDim(kernel, 'q', q, 0, 'k', k, 0, 'T');
  expectSameDim(kernel, 'q', q, 0, 'v', v, 0, 'T');
  return { T: q.shape[0], dk: q.shape[1], dv: v.shape[1] };
}

/** Option defaults shared by the family; `forms` lists the forms this kernel offers. */
export function resolveLinearOptions<F extends string>(
  kernel: string,
  options: { scale?: number; form?: F; chunkSize?: number },
  forms: readonly F[]
): { scale: number; form: F; chunkSize: number } {
  return {
    scale: expectFiniteNumber(kernel, 'scale', options.scale ?? 1),
    form: expectForm(kernel, options.form ?? forms[0], forms),
    chunkSize: expectPositiveInteger(kernel, 'chunkSize', options.chunkSize ?? 16)
  };
}

/** Row t of a [T, n] tensor's data, i.e. a_t · b_s over the shared width n. */
export function dotRows(a: Float64Array, t: number, b: Float64Array, s: number, n: number): number {
  let sum = 0;
  for (let c = 0; c < n; c++) sum += a[t * n + c] * b[s * n + c];
  return sum;
}

/** out_t += scale · Sᵀ q_t, for the state S stored row-major as [dk, dv]. */
export function addStateReadout(
  out: Float64Array,
  t: number,
  state: Float64Array,
  q: Float64Array,
  dk: number,
  dv: number,
  scale: number
): void {
  for (let i = 0; i < dk; i++) {
    const qi = scale * q[t * dk + i];
    for (let j = 0; j < dv; j++) out[t * dv + j] += qi * state[i * dv + j];
  }
}

/** S += weight · k_s v_sᵀ (an outer product of row s of k and row s of v). */
export function addOuterProduct(
  state: Float64Array,
  weight: number,
  k: Float64Array,
  v: Float64Array,
  s: number,
  dk: number,
  dv: number
): void {
  for (let i = 0; i < dk; i++) {
    const ki = weight * k[s * dk + i];
    for (let j = 0; j < dv; j++) state[i * dv + j] += ki * v[s * dv + j];
  }
}

export function linearAttention(inputs: LinearAttentionInputs, options: LinearAttentionOptions = {}): { o: Tensor } {
  const kernel = 'linear_attention';
  const shapes = checkQkv(kernel, inputs);
  const opts = resolveLinearOptions(kernel, options, LINEAR_FORMS);
  switch (opts.form) {
    case 'recurrent':
      return { o: recurrent(inputs, shapes, opts.scale) };
    case 'parallel':
      return { o: parallel(inputs, shapes, opts.scale) };
    case 'chunk':
      return { o: chunked(inputs, shapes, opts.scale, opts.chunkSize) };
  }
}

// One token at a time: what decoding does, carrying only the dk×dv state.
function recurrent({ q, k, v }: LinearAttentionInputs, { T, dk, dv }: LinearShapes, scale: number): Tensor {
  const o = tensor([T, dv]);
  const state = new Float64Array(dk * dv);
  for (let t = 0; t < T; t++) {
    addOuterProduct(state, 1, k.data, v.data, t, dk, dv);
    addStateReadout(o.data, t, state, q.data, dk, dv, scale);
  }
  return o;
}

// All pairs s ≤ t at once, as training does: no state, but T² scores.
function parallel({ q, k, v }: LinearAttentionInputs, { T, dk, dv }: LinearShapes, scale: number): Tensor {
  const o = tensor([T, dv]);
  for (let t = 0; t < T; t++) {
    for (let s = 0; s <= t; s++) {
      const score = scale * dotRows(q.data, t, k.data, s, dk);
      for (let j = 0; j < dv; j++) o.data[t * dv + j] += score * v.data[s * dv + j];
    }
  }
  return o;
}

// Between chunks, the recurrent form on chunk-sized steps; inside a chunk, the parallel form.
// C = 1 degenerates to the recurrent form and C ≥ T to the parallel one.
function chunked(
  { q, k, v }: LinearAttentionInputs,
  { T, dk, dv }: LinearShapes,
  scale: number,
  chunkSize: number
): Tensor {
  const o = tensor([T, dv]);
  const state = new Float64Array(dk * dv); // Σ k_s v_sᵀ over all earlier chunks
  for (let start = 0; start < T; start += chunkSize) {
    const end = Math.min(start + chunkSize, T);
    for (let t = start; t < end; t++) {
      // Q_[i] S_[i−1]: everything before this chunk, through the state.
      addStateReadout(o.data, t, state, q.data, dk, dv, scale);
      // (Q_[i] K_[i]ᵀ ⊙ M) V_[i]: earlier tokens of this chunk, directly.
      for (let s = start; s <= t; s++) {
        const score = scale * dotRows(q.data, t, k.data, s, dk);
        for (let j = 0; j < dv; j++) o.data[t * dv + j] += score * v.data[s * dv + j];
      }
    }
    // S_[i] = S_[i−1] + K_[i]ᵀ V_[i], only after the chunk's outputs have read the old state.
    for (let s = start; s < end; s++) addOuterProduct(state, 1, k.data, v.data, s, dk, dv);
  }
  return o;
}
