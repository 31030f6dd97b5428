// Gated DeltaNet's memory update (syllabus §2.14; Yang et al., 2024): the delta rule of delta.ts
// with a forget gate in front of it,
//   S_t = exp(g_t) · (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t v_tᵀ,   o_t = scale · S_tᵀ q_t,
// with S_0 = 0, scale defaulting to 1 and g_t a log decay (exp(g_t) = α_t ∈ (0, 1] in the paper).
// Cost: O(T·dk·dv) time with one dk×dv state, as the recurrent delta rule.
// Differs from delta.ts: the whole state first decays by α_t (Mamba-2's gate, lesson 15), then the
// delta rule overwrites the value under k_t. The gate clears old memories wholesale; the delta
// rule edits one key at a time. With g = 0 it is delta.ts exactly.

import { addStateReadout, checkQkv, resolveLinearOptions, type LinearShapes } from './linear';
import { tensor, type Tensor } from './tensor';
import { expectSameDim, expectShape } from './validate';

export type GatedDeltaForm = 'recurrent';
export const GATED_DELTA_FORMS: readonly GatedDeltaForm[] = ['recurrent'];

export interface GatedDeltaRuleInputs {
  q: Tensor; // [T, dk]
  k: Tensor; // [T, dk], L2-normalised in Gated DeltaNet
  v: Tensor; // [T, dv]
  beta: Tensor; // [T], writing strength
  g: Tensor; // [T], log decay of the whole state
}

export interface GatedDeltaRuleOptions {
  /** Default 1. */
  scale?: number;
  /** Only 'recurrent'. */
  form?: GatedDeltaForm;
}

export function gatedDeltaRule(inputs: GatedDeltaRuleInputs, options: GatedDeltaRuleOptions = {}): { o: Tensor } {
  const kernel = 'gated_delta_rule';
  const shapes = checkQkv(kernel, inputs);
  for (const name of ['beta', 'g'] as const) {
    expectShape(kernel, name, inputs[name], ['T']);
    expectSameDim(kernel, 'q', inputs.q, 0, name, inputs[name], 0, 'T');
  }
  inputs.g.data.forEach((value, t) => {
    if (!Number.isFinite(value)) throw new Error(`${kernel}: g[${t}] = ${value}; g must be finite`);
  });
  const { scale } = resolveLinearOptions(kernel, options, GATED_DELTA_FORMS);
  return { o: recurrent(inputs, shapes, scale) };
}

function recurrent({ q, k, v, beta, g }: GatedDeltaRuleInputs, { T, dk, dv }: LinearShapes, scale: number): Tensor {
  const o = tensor([T, dv]);
  const state = new Float64Array(dk * dv);
  const recalled = new Float64Array(dv);
  for (let t = 0; t < T; t++) {
    const alpha = Math.exp(g.data[t]);
    const b = beta.data[t];
    // (I − β k kᵀ) S = S − β k (Sᵀ k)ᵀ: remove a fraction β of what S returns for k_t ...
    recalled.fill(0);
    for (let i = 0; i < dk; i++) {
      const ki = k.data[t * dk + i];
      for (let j = 0; j < dv; j++) recalled[j] += ki * state[i * dv + j];
    }
    for (let i = 0; i < dk; i++) {
      const ki = k.data[t * dk + i];
      for (let j = 0; j < dv; j++) {
        // ... decay the result by α_t, then write β_t k_t v_tᵀ.
        state[i * dv + j] = alpha * (state[i * dv + j] - b * ki * recalled[j]) + b * ki * v.data[t * dv + j];
      }
    }
    addStateReadout(o.data, t, state, q.data, dk, dv, scale);
  }
  return o;
}
