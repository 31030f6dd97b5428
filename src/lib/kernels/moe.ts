// Token-choice top-k gates of a sparse Mixture-of-Experts router (syllabus §2.16), with optional
// expert capacity and token dropping.
//   For each token t, the k experts with the highest logits (equal logits: the lower expert index
//   first) get the softmax of those k logits, renormalised over the k, and every other expert 0:
//   the Mixtral form, equal to softmax over all E followed by renormalising the top k.
//   With `capacity` C, assignments are served in token order (t = 0, 1, …) and, within a token,
//   from its highest weight down (ties: the lower expert first); an expert already holding C
//   tokens drops the assignment: its gate becomes 0 and the token's other gates are NOT
//   renormalised (the dropped share passes through the residual connection).
//   This priority differs from GShard/Switch, which serve every token's first choice before any
//   second choice (a cumsum over the choice-major order); see lessons/18-moe-routing.
// Cost: O(T·E·log E) for the sort per token (O(T·E) would do with a partial selection), O(T·E)
// memory for the gates. Previous version: none; the expert FFNs themselves live in the lessons.

import { tensor, type Tensor } from './tensor';
import { expectShape } from './validate';

export interface MoeGatesInputs {
  logits: Tensor; // [T, E]
}

export interface MoeGatesOptions {
  /** Experts per token, 1 ≤ k ≤ E. */
  k: number;
  /** Tokens an expert may hold, an integer ≥ 0; unlimited when absent. */
  capacity?: number;
}

/** The experts of one row of logits, best first: higher logit first, equal logits lower index first. */
export function rankExperts(logits: ArrayLike<number>, offset: number, experts: number): number[] {
  const order = Array.from({ length: experts }, (_, e) => e);
  order.sort((a, b) => logits[offset + b] - logits[offset + a] || a - b);
  return order;
}

/** The capacity rule ⌈cf·T·K/E⌉ (Switch Transformer, GShard): tokens one expert may hold. */
export function expertCapacity(capacityFactor: number, tokens: number, k: number, experts: number): number {
  return Math.ceil((capacityFactor * tokens * k) / experts);
}

/** `options` may come untyped from the registry, so k is reported when missing, not assumed. */
export function moeGates(inputs: MoeGatesInputs, options: Partial<MoeGatesOptions>): { gates: Tensor } {
  const kernel = 'moe_gates';
  const [T, E] = expectShape(kernel, 'logits', inputs.logits, ['T', 'E']);
  const { k, capacity } = options;
  if (k === undefined) throw new Error(`${kernel}: option k is required`);
  if (!Number.isInteger(k) || k < 1 || k > E) {
    throw new Error(`${kernel}: option k must be an integer with 1 ≤ k ≤ E = ${E} but is ${k}`);
  }
  if (capacity !== undefined && (!Number.isInteger(capacity) || capacity < 0)) {
    throw new Error(`${kernel}: option capacity must be an integer ≥ 0 but is ${capacity}`);
  }
  const data = inputs.logits.data;
  if (!data.every((x) => Number.isFinite(x))) throw new Error(`${kernel}: logits must be finite numbers`);

  const gates = tensor([T, E]);
  const load = new Array<number>(E).fill(0);
  for (let t = 0; t < T; t++) {
    const chosen = rankExperts(data, t * E, E).slice(0, k);
    // Softmax over the chosen logits only, shifted by the largest (the first) for stability.
    const top = data[t * E + chosen[0]];
    const weights = chosen.map((e) => Math.exp(data[t * E + e] - top));
    const sum = weights.reduce((a, b) => a + b, 0);
    // `chosen` is already in serving order: highest weight first, ties to the lower expert.
    chosen.forEach((e, i) => {
      if (capacity !== undefined) {
        if (load[e] >= capacity) return; // dropped: gate stays 0, the others keep their values
        load[e] += 1;
      }
      gates.data[t * E + e] = weights[i] / sum;
    });
  }
  return { gates };
}
