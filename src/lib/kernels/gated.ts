// Gated linear attention with a scalar, data-dependent decay per token (syllabus §2.11; fla's
// "simple GLA", which is also Mamba-2/SSD's recurrence):
//   S_t = α_t · S_{t−1} + k_t v_tᵀ,   o_t = scale · S_tᵀ q_t,   α_t = exp(g_t), g_t ≤ 0.
// Cost: the same as linear.ts in every form (the decay adds O(T) exps, or O(T·C) in the
// chunk form and O(T²) in the parallel form).
// Differs from linear.ts: the state forgets. Token s reaches token t ≥ s weighted by
// Π_{r=s+1..t} α_r = exp(G_t − G_s), where G = cumsum(g). With g = 0 it is linear.ts exactly.
// g is stored as a log decay (as fla does) so the products above become sums, and every
// exponent that is ever evaluated is ≤ 0: nothing can overflow.

import {
  LINEAR_FORMS,
  addOuterProduct,
  addStateReadout,
  checkQkv,
  dotRows,
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
  g: Tensor; // [T], log decay ≤ 0
}

export function gatedLinearAttention(
  inputs: GatedLinearAttentionInputs,
  options: LinearAttentionOptions = {}
): { o: Tensor } {
  const kernel = 'gated_linear_attention';
  const shapes = checkQkv(kernel, inputs);
  expectShape(kernel, 'g', inputs.g, ['T']);
  expectSameDim(kernel, 'q', inputs.q, 0, 'g', inputs.g, 0, 'T');
  inputs.g.data.forEach((value, t) => {
    // g = −∞ (a full reset) would be meaningful in the recurrence, but the parallel and chunk
    // forms subtract cumulative sums and −∞ − (−∞) is NaN, so every form refuses it.
    if (!(Number.isFinite(value) && value <= 0)) {
      throw new Error(`${kernel}: g[${t}] = ${value}; g is a log decay and must be finite and ≤ 0`);
    }
  });
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

function recurrent({ q, k, v, g }: GatedLinearAttentionInputs, { T, dk, dv }: LinearShapes, scale: number): Tensor {
  const o = tensor([T, dv]);
  const state = new Float64Array(dk * dv);
  for (let t = 0; t < T; t++) {
    const alpha = Math.exp(g.data[t]);
    for (let i = 0; i < state.length; i++) state[i] *= alpha;
    addOuterProduct(state, 1, k.data, v.data, t, dk, dv);
    addStateReadout(o.data, t, state, q.data, dk, dv, scale);
  }
  return o;
}

// O = ((Q Kᵀ) ⊙ D) V with D_ts = exp(G_t − G_s) for s ≤ t: the decay mask replaces the 0/1 causal mask.
function parallel({ q, k, v, g }: GatedLinearAttentionInputs, { T, dk, dv }: LinearShapes, scale: number): Tensor {
  const o = tensor([T, dv]);
  const G = new Float64Array(T);
  for (let t = 0; t < T; t++) G[t] = (t > 0 ? G[t - 1] : 0) + g.data[t];
  for (let t = 0; t < T; t++) {
    for (let s = 0; s <= t; s++) {
      const score = scale * dotRows(q.data, t, k.data, s, dk) * Math.exp(G[t] - G[s]);
      for (let j = 0; j < dv; j++) o.data[t * dv + j] += score * v.data[s * dv + j];
    }
  }
  return o;
}

// fla's naive_chunk_simple_gla. With b the cumulative sum of g restarted at each chunk:
//   o_t = scale · (e^{b_t} Sᵀ q_t + Σ_{s≤t in chunk} e^{b_t − b_s} (q_t·k_s) v_s)
//   S  ← e^{b_last} S + Σ_{s in chunk} e^{b_last − b_s} k_s v_sᵀ
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
  const b = new Float64Array(chunkSize);

  for (let start = 0; start < T; start += chunkSize) {
    const end = Math.min(start + chunkSize, T);
    for (let t = start; t < end; t++) b[t - start] = (t > start ? b[t - start - 1] : 0) + g.data[t];

    for (let t = start; t < end; t++) {
      // The state was built up to the chunk start; by token t it has decayed by e^{b_t}.
      addStateReadout(o.data, t, state, q.data, dk, dv, scale * Math.exp(b[t - start]));
      for (let s = start; s <= t; s++) {
        const score = scale * dotRows(q.data, t, k.data, s, dk) * Math.exp(b[t - start] - b[s - start]);
        for (let j = 0; j < dv; j++) o.data[t * dv + j] += score * v.data[s * dv + j];
      }
    }

    const bLast = b[end - 1 - start];
    const carry = Math.exp(bLast);
    for (let i = 0; i < state.length; i++) state[i] *= carry;
    for (let s = start; s < end; s++) {
      addOuterProduct(state, Math.exp(bLast - b[s - start]), k.data, v.data, s, dk, dv);
    }
  }
  return o;
}
