/**
 * Float64 references for lesson 18.
 *
 * - Gates: token-choice top-k from the shared kernel registry (`moe_gates`, with and without
 *   capacity), and the capacity rule ⌈cf·T·K/E⌉; expert choice (each expert takes its top-C tokens
 *   by router probability) written here plainly.
 * - Known wrong gates, for the messages that name a mistake: no renormalisation, ties to the
 *   higher expert, renormalising after a drop, and GShard's choice-major priority.
 * - The layer: a port of DeepSeek-V3's `MoE.forward` (inference/model.py): loop over experts,
 *   `y[idx] += expert(x[idx]) * weights`, then `+ shared_experts(x)`; each expert a SwiGLU MLP
 *   `w2(silu(w1 x) * w3 x)`. O(T·K·d·h) for the routed experts plus O(T·d·h) per shared one.
 */
import { expertCapacity, rankExperts, runKernel, tensor } from '$lib/kernels';

type T = { readonly shape: readonly number[]; readonly data: ArrayLike<number> };
type F64 = { shape: number[]; data: Float64Array };

const toF64 = (t: T) => tensor([...t.shape], t.data);

/** Token-choice gates: the softmax of each token's k best logits; with capacity, overflow dropped in token order. */
export const gatesRef = (logits: T, k: number, capacity?: number): F64 =>
  runKernel('moe_gates', { logits: toF64(logits) }, { k, capacity }).gates;

/** ⌈cf·T·K/E⌉. */
export const capacityRef = expertCapacity;

/** The same gates with the experts' order reversed: equal logits go to the HIGHER expert. */
export function tiesHighRef(logits: T, k: number, capacity?: number): F64 {
  const [n, E] = logits.shape;
  const flip = (t: T) =>
    tensor(
      [n, E],
      Array.from({ length: n * E }, (_, i) => t.data[i - (i % E) + E - 1 - (i % E)])
    );
  return flip(gatesRef(flip(logits), k, capacity));
}

/** Softmax over all E experts, kept only at the top k: the weights of a token do not sum to 1. */
export function unnormalisedRef(logits: T, k: number): F64 {
  const [n, E] = logits.shape;
  const g = gatesRef(logits, k);
  for (let t = 0; t < n; t++) {
    const row = Array.from({ length: E }, (_, e) => logits.data[t * E + e]);
    const max = Math.max(...row);
    const z = row.reduce((a, x) => a + Math.exp(x - max), 0);
    for (let e = 0; e < E; e++) if (g.data[t * E + e] !== 0) g.data[t * E + e] = Math.exp(row[e] - max) / z;
  }
  return g;
}

/** Capacity gates whose kept weights are renormalised to sum to 1 per token (the dropped share reassigned). */
export function renormalisedDropRef(logits: T, k: number, capacity: number): F64 {
  const [n, E] = logits.shape;
  const g = gatesRef(logits, k, capacity);
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let e = 0; e < E; e++) s += g.data[t * E + e];
    for (let e = 0; e < E && s > 0; e++) g.data[t * E + e] /= s;
  }
  return g;
}

/**
 * GShard's priority: every token's first choice is served (in token order) before any second
 * choice, and so on; the Switch/HF router does the same with a cumsum over this order.
 */
export function gshardRef(logits: T, k: number, capacity: number): F64 {
  const [n, E] = logits.shape;
  const free = gatesRef(logits, k);
  const out = tensor([n, E]);
  const load = new Array<number>(E).fill(0);
  const ranked = Array.from({ length: n }, (_, t) => rankExperts(logits.data, t * E, E));
  for (let choice = 0; choice < k; choice++) {
    for (let t = 0; t < n; t++) {
      const e = ranked[t][choice];
      if (load[e] >= capacity) continue;
      load[e] += 1;
      out.data[t * E + e] = free.data[t * E + e];
    }
  }
  return out;
}

/** Router probabilities: the softmax of each token's logits over the E experts. */
export function probabilities(logits: T): F64 {
  const [n, E] = logits.shape;
  const p = tensor([n, E]);
  for (let t = 0; t < n; t++) {
    let max = -Infinity;
    for (let e = 0; e < E; e++) max = Math.max(max, logits.data[t * E + e]);
    let z = 0;
    for (let e = 0; e < E; e++) z += Math.exp(logits.data[t * E + e] - max);
    for (let e = 0; e < E; e++) p.data[t * E + e] = Math.exp(logits.data[t * E + e] - max) / z;
  }
  return p;
}

/** Expert choice: expert e keeps its min(C, T) tokens of highest p[t, e] (ties: lower token), gate p[t, e]. */
export function expertChoiceRef(logits: T, capacity: number): F64 {
  const [n, E] = logits.shape;
  const p = probabilities(logits);
  const out = tensor([n, E]);
  for (let e = 0; e < E; e++) {
    // Token t is kept iff fewer than C tokens beat it in expert e's column.
    for (let t = 0; t < n; t++) {
      let beaten = 0;
      for (let u = 0; u < n; u++) {
        const [pu, pt] = [p.data[u * E + e], p.data[t * E + e]];
        if (pu > pt || (pu === pt && u < t)) beaten++;
      }
      if (beaten < capacity) out.data[t * E + e] = p.data[t * E + e];
    }
  }
  return out;
}

/** Stacked expert weights: w1, w3 [E, d, h] and w2 [E, h, d]. */
export interface ExpertsRef {
  w1: T;
  w3: T;
  w2: T;
}

/** SwiGLU expert e on one row of x: w2ᵀ(silu(w1ᵀ x) ⊙ w3ᵀ x). */
function ffnRow(x: T, row: number, w: ExpertsRef, e: number): Float64Array {
  const [, d, h] = w.w1.shape;
  const hidden = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    let a = 0;
    let b = 0;
    for (let c = 0; c < d; c++) {
      a += x.data[row * d + c] * w.w1.data[(e * d + c) * h + j];
      b += x.data[row * d + c] * w.w3.data[(e * d + c) * h + j];
    }
    hidden[j] = (a / (1 + Math.exp(-a))) * b;
  }
  const y = new Float64Array(d);
  for (let c = 0; c < d; c++) for (let j = 0; j < h; j++) y[c] += hidden[j] * w.w2.data[(e * h + j) * d + c];
  return y;
}

/** y = Σ_e gates[:, e] · FFN_e(x) over the tokens each expert was routed + Σ_s Shared_s(x). */
export function moeLayerRef(x: T, gates: T, experts: ExpertsRef, shared: ExpertsRef | null): F64 {
  const [n, d] = x.shape;
  const E = gates.shape[1];
  const y = tensor([n, d]);
  for (let e = 0; e < E; e++) {
    for (let t = 0; t < n; t++) {
      const g = gates.data[t * E + e];
      if (g === 0) continue;
      const out = ffnRow(x, t, experts, e);
      for (let c = 0; c < d; c++) y.data[t * d + c] += g * out[c];
    }
  }
  for (let s = 0; shared && s < shared.w1.shape[0]; s++) {
    for (let t = 0; t < n; t++) {
      const out = ffnRow(x, t, shared, s);
      for (let c = 0; c < d; c++) y.data[t * d + c] += out[c];
    }
  }
  return y;
}

/** Nonzero gates per expert (the tokens each expert must be handed). */
export function tokensPerExpert(gates: T): number[] {
  const [n, E] = gates.shape;
  const count = new Array<number>(E).fill(0);
  for (let t = 0; t < n; t++) for (let e = 0; e < E; e++) if (gates.data[t * E + e] !== 0) count[e]++;
  return count;
}
