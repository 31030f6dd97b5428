// The delta rule, DeltaNet's memory update (syllabus §2.14):
//   S_t = S_{t−1} + β_t k_t (v_t − S_{t−1}ᵀ k_t)ᵀ,   o_t = scale · S_tᵀ q_t.
// S_{t−1}ᵀ k_t is what the memory currently returns for key k_t; the update moves that answer
// a fraction β_t of the way towards v_t (one gradient step on ½‖Sᵀk − v‖²). With ‖k_t‖ = 1
// and β_t = 1 the old value under k_t is replaced outright.
// Cost: recurrent O(T·dk·dv) with a dk×dv state; chunk O(T·C·(dk + dv) + T·dk·dv), the C²
// part being the triangular solve that builds W and U.
// Differs from linear.ts: linear attention only ever adds k vᵀ, so old values under a similar
// key pile up; the delta rule first subtracts what is already stored. That makes the state
// update depend on the state itself, so there is no plain parallel form, and the chunk form
// needs the WY / UT transform below.

import { addStateReadout, checkQkv, dotRows, resolveLinearOptions, type LinearShapes } from './linear';
import { tensor, type Tensor } from './tensor';
import { expectSameDim, expectShape } from './validate';

export type DeltaForm = 'recurrent' | 'chunk';
export const DELTA_FORMS: readonly DeltaForm[] = ['recurrent', 'chunk'];

export interface DeltaRuleInputs {
  q: Tensor; // [T, dk]
  k: Tensor; // [T, dk], L2-normalised in DeltaNet
  v: Tensor; // [T, dv]
  beta: Tensor; // [T], in (0, 1) in DeltaNet
}

export interface DeltaRuleOptions {
  /** Default 1. */
  scale?: number;
  /** Default 'recurrent'. */
  form?: DeltaForm;
  /** Tokens per chunk for form 'chunk'. Default 16. The last chunk may be shorter. */
  chunkSize?: number;
}

export function deltaRule(inputs: DeltaRuleInputs, options: DeltaRuleOptions = {}): { o: Tensor } {
  const kernel = 'delta_rule';
  const shapes = checkQkv(kernel, inputs);
  expectShape(kernel, 'beta', inputs.beta, ['T']);
  expectSameDim(kernel, 'q', inputs.q, 0, 'beta', inputs.beta, 0, 'T');
  const opts = resolveLinearOptions(kernel, options, DELTA_FORMS);
  switch (opts.form) {
    case 'recurrent':
      return { o: recurrent(inputs, shapes, opts.scale) };
    case 'chunk':
      return { o: chunked(inputs, shapes, opts.scale, opts.chunkSize) };
  }
}

function recurrent({ q, k, v, beta }: DeltaRuleInputs, { T, dk, dv }: LinearShapes, scale: number): Tensor {
  const o = tensor([T, dv]);
  const state = new Float64Array(dk * dv);
  const error = new Float64Array(dv);
  for (let t = 0; t < T; t++) {
    // error = v_t − S_{t−1}ᵀ k_t: what should be stored under k_t minus what is.
    for (let j = 0; j < dv; j++) {
      let recalled = 0;
      for (let i = 0; i < dk; i++) recalled += state[i * dv + j] * k.data[t * dk + i];
      error[j] = v.data[t * dv + j] - recalled;
    }
    for (let i = 0; i < dk; i++) {
      const ki = beta.data[t] * k.data[t * dk + i];
      for (let j = 0; j < dv; j++) state[i * dv + j] += ki * error[j];
    }
    addStateReadout(o.data, t, state, q.data, dk, dv, scale);
  }
  return o;
}

// Chunkwise DeltaNet (fla/ops/delta_rule/README.md). Within a chunk, with S the state at its
// start, the recurrence unrolls to S_t = S + Σ_{s≤t} k_s u'_sᵀ where the corrected values u'
// satisfy
//   u'_t + β_t Σ_{s<t} (k_t·k_s) u'_s = β_t (v_t − Sᵀ k_t),
// i.e. A U' = diag(β)(V − K S) with A = I + tril(diag(β) K Kᵀ, −1). Writing
// T = A⁻¹ diag(β), W = T K and U = T V gives the form used on GPUs:
//   U' = U − W S,   O = scale · (Q S + tril(Q Kᵀ) U'),   S ← S + Kᵀ U'.
// W and U depend only on the chunk's own k, v and β, so every chunk can build them in
// parallel; only the cheap S hand-off is sequential. A is unit lower triangular, so T is never
// inverted explicitly: forward substitution yields the rows of W and U directly (fla's
// delta_rule_chunkwise does the same with a row loop).
function chunked(
  { q, k, v, beta }: DeltaRuleInputs,
  { T, dk, dv }: LinearShapes,
  scale: number,
  chunkSize: number
): Tensor {
  const o = tensor([T, dv]);
  const state = new Float64Array(dk * dv);
  const W = new Float64Array(chunkSize * dk);
  const U = new Float64Array(chunkSize * dv);

  for (let start = 0; start < T; start += chunkSize) {
    const end = Math.min(start + chunkSize, T);
    const n = end - start;

    // Forward substitution: row r of W is β_r k_r − Σ_{s<r} β_r (k_r·k_s) W_s, same for U with v.
    for (let r = 0; r < n; r++) {
      const t = start + r;
      const b = beta.data[t];
      for (let i = 0; i < dk; i++) W[r * dk + i] = b * k.data[t * dk + i];
      for (let j = 0; j < dv; j++) U[r * dv + j] = b * v.data[t * dv + j];
      for (let s = 0; s < r; s++) {
        const a = b * dotRows(k.data, t, k.data, start + s, dk);
        for (let i = 0; i < dk; i++) W[r * dk + i] -= a * W[s * dk + i];
        for (let j = 0; j < dv; j++) U[r * dv + j] -= a * U[s * dv + j];
      }
    }

    // U' = U − W S: each row loses what the chunk-start state already answers for its key.
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < dv; j++) {
        let recalled = 0;
        for (let i = 0; i < dk; i++) recalled += W[r * dk + i] * state[i * dv + j];
        U[r * dv + j] -= recalled;
      }
    }

    // O = scale · (Q S + tril(Q Kᵀ) U'), the diagonal included: token t sees its own write.
    for (let r = 0; r < n; r++) {
      const t = start + r;
      addStateReadout(o.data, t, state, q.data, dk, dv, scale);
      for (let s = 0; s <= r; s++) {
        const score = scale * dotRows(q.data, t, k.data, start + s, dk);
        for (let j = 0; j < dv; j++) o.data[t * dv + j] += score * U[s * dv + j];
      }
    }

    // S ← S + Kᵀ U', after the outputs above have read the chunk-start state.
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < dk; i++) {
        const ki = k.data[(start + r) * dk + i];
        for (let j = 0; j < dv; j++) state[i * dv + j] += ki * U[r * dv + j];
      }
    }
  }
  return o;
}
