// Gated linear attention with a data-dependent decay per token (syllabus §2.11). Two gates:
// - scalar, g of shape [T] (fla's "simple GLA", also Mamba-2/SSD's recurrence):
//     S_t = α_t · S_{t−1} + k_t v_tᵀ,                 α_t = exp(g_t);
// - vector, g of shape [T, dk] (GLA proper, one decay per key channel):
//     S_t = diag(exp(g_t)) · S_{t−1} + k_t v_tᵀ;
// and in both o_t = scale · S_tᵀ q_t, with g ≤ 0 a log decay (scale defaults to 1).
// Cost: the same as linear.ts in every form, plus the decays: O(T·dk) exps in the recurrence,
// O(T·C·dk) in the chunk form and O(T²·dk) in the parallel form.
// Differs from linear.ts: the state forgets. Channel i of token s reaches token t ≥ s weighted by
// Π_{r=s+1..t} exp(g_r[i]) = exp(G_t[i] − G_s[i]), where G = cumsum(g) along T. With g = 0 it is
// linear.ts exactly. The scalar gate is the vector gate with every channel equal, and is computed
// as such. g is stored as a log decay (as fla does) so the products become sums, and every exponent
// that is ever evaluated is ≤ 0: nothing can overflow.

import {
  LINEAR_FORMS,
  addOuterProduct,
  addStateReadout,
  checkQkv,
  resolveLinearOptions,
  type LinearAttentionOptions,
  type LinearShapes
} from './linear';
import { tensor, type Tensor } from './tensor';
import { expectSameDim, expectShape } from './validate';

export interface GatedLinearAttentionInputs {
  q: Tensor; // [T, dk]
  k: Tensor; // [T, dk]
  v: Tensor; // [T, dv]
  g: Tensor; // [T] (scalar gate) or [T, dk] (one gate per key channel), log decay ≤ 0
}

export function gatedLinearAttention(
  inputs: GatedLinearAttentionInputs,
  options: LinearAttentionOptions = {}
): { o: Tensor } {
  const kernel = 'gated_linear_attention';
  const shapes = checkQkv(kernel, inputs);
  const vector = Array.isArray(inputs.g?.shape) && inputs.g.shape.length === 2;
  expectShape(kernel, 'g', inputs.g, vector ? ['T', 'dk'] : ['T']);
  expectSameDim(kernel, 'q', inputs.q, 0, 'g', inputs.g, 0, 'T');
  if (vector) expectSameDim(kernel, 'q', inputs.q, 1, 'g', inputs.g, 1, 'dk');
  inputs.g.data.forEach((value, index) => {
    // g = −∞ (a full reset) would be meaningful in the recurrence, but the parallel and chunk
    // forms subtract cumulative sums and −∞ − (−∞) is NaN, so every form refuses it.
    if (!(Number.isFinite(value) && value <= 0)) {
      const at = vector ? `${Math.floor(index / shapes.dk)}, ${index % shapes.dk}` : `${index}`;
      throw new Error(`${kernel}: g[${at}] = ${value}; g is a log decay and must be finite and ≤ 0`);
    }
  });
  const opts = resolveLinearOptions(kernel, options, LINEAR_FORMS);
  const gated = { ...inputs, g: vector ? inputs.g : perChannel(inputs.g, shapes.dk) };
  switch (opts.form) {
    case 'recurrent':
      return { o: recurrent(gated, shapes, opts.scale) };
    case 'parallel':
      return { o: parallel(gated, shapes, opts.scale) };
    case 'chunk':
      return { o: chunked(gated, shapes, opts.scale, opts.chunkSize) };
  }
}

/** A scalar gate [T] as the vector gate [T, dk] with every channel equal. */
function perChannel(g: Tensor, dk: number): Tensor {
  const T = g.shape[0];
  const out = tensor([T, dk]);
  for (let t = 0; t < T; t++) out.data.fill(g.data[t], t * dk, (t + 1) * dk);
  return out;
}

/** Cumulative sums of g [T, dk] along T over tokens [start, end), restarted at start: b[(t − start)·dk + i]. */
function cumulative(g: Float64Array, start: number, end: number, dk: number): Float64Array {
  const b = new Float64Array((end - start) * dk);
  for (let t = start; t < end; t++) {
    for (let i = 0; i < dk; i++) {
      b[(t - start) * dk + i] = (t > start ? b[(t - start - 1) * dk + i] : 0) + g[t * dk + i];
    }
  }
  return b;
}

function recurrent({ q, k, v, g }: GatedLinearAttentionInputs, { T, dk, dv }: LinearShapes, scale: number): Tensor {
  const o = tensor([T, dv]);
  const state = new Float64Array(dk * dv);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < dk; i++) {
      const alpha = Math.exp(g.data[t * dk + i]);
      for (let j = 0; j < dv; j++) state[i * dv + j] *= alpha;
    }
    addOuterProduct(state, 1, k.data, v.data, t, dk, dv);
    addStateReadout(o.data, t, state, q.data, dk, dv, scale);
  }
  return o;
}

// o_t = scale · Σ_{s≤t} (Σ_i q_t[i] k_s[i] e^{G_t[i] − G_s[i]}) v_s: the decay sits inside the dot
// product, one factor per channel (for a scalar gate, ((Q Kᵀ) ⊙ D) V with a decay mask D).
function parallel({ q, k, v, g }: GatedLinearAttentionInputs, { T, dk, dv }: LinearShapes, scale: number): Tensor {
  const o = tensor([T, dv]);
  const G = cumulative(g.data, 0, T, dk);
  for (let t = 0; t < T; t++) {
    for (let s = 0; s <= t; s++) {
      let score = 0;
      for (let i = 0; i < dk; i++) {
        score += q.data[t * dk + i] * k.data[s * dk + i] * Math.exp(G[t * dk + i] - G[s * dk + i]);
      }
      score *= scale;
      for (let j = 0; j < dv; j++) o.data[t * dv + j] += score * v.data[s * dv + j];
    }
  }
  return o;
}

// fla's naive chunk GLA. With b the cumulative sum of g restarted at each chunk, per channel i:
//   o_t = scale · (Σ_i q_t[i] e^{b_t[i]} S[i, :] + Σ_{s≤t in chunk} (Σ_i q_t[i] k_s[i] e^{b_t[i] − b_s[i]}) v_s)
//   S[i, :] ← e^{b_last[i]} S[i, :] + Σ_{s in chunk} e^{b_last[i] − b_s[i]} k_s[i] v_s
// e^{b_t − b_s} is taken as one exp of a difference, never as e^{b_t} · e^{−b_s}: over a long
// chunk with strong decay e^{−b_s} overflows to Infinity and 0 · Infinity gives NaN.
function chunked(
  { q, k, v, g }: GatedLinearAttentionInputs,
  { T, dk, dv }: LinearShapes,
  scale: number,
  chunkSize: number
): Tensor {
  const o = tensor([T, dv]);
  const state = new Float64Array(dk * dv);

  for (let start = 0; start < T; start += chunkSize) {
    const end = Math.min(start + chunkSize, T);
    const b = cumulative(g.data, start, end, dk);
    const at = (t: number, i: number) => b[(t - start) * dk + i];

    for (let t = start; t < end; t++) {
      // The state was built up to the chunk start; by token t channel i has decayed by e^{b_t[i]}.
      for (let i = 0; i < dk; i++) {
        const qi = scale * q.data[t * dk + i] * Math.exp(at(t, i));
        for (let j = 0; j < dv; j++) o.data[t * dv + j] += qi * state[i * dv + j];
      }
      for (let s = start; s <= t; s++) {
        let score = 0;
        for (let i = 0; i < dk; i++) score += q.data[t * dk + i] * k.data[s * dk + i] * Math.exp(at(t, i) - at(s, i));
        score *= scale;
        for (let j = 0; j < dv; j++) o.data[t * dv + j] += score * v.data[s * dv + j];
      }
    }

    for (let i = 0; i < dk; i++) {
      const last = at(end - 1, i);
      const carry = Math.exp(last);
      for (let j = 0; j < dv; j++) state[i * dv + j] *= carry;
      for (let s = start; s < end; s++) {
        const w = Math.exp(last - at(s, i)) * k.data[s * dk + i];
        for (let j = 0; j < dv; j++) state[i * dv + j] += w * v.data[s * dv + j];
      }
    }
  }
  return o;
}
