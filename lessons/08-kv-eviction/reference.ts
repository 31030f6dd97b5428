/**
 * Float64 reference for lesson 08: decoding with an evicting KV cache, one head. Two policies:
 * - StreamingLLM (StartRecentKVCache): query t sees the first s tokens (sinks) and the r most
 *   recent, itself included: j ≤ t and (j < s or t − j < r). "window" is the same with s = 0.
 * - H2O (H2OKVCache_LayerWise): query t sees the cache plus its own key; every cached token's
 *   score accumulates the attention it received; then, if the cache holds more than
 *   heavy + recent tokens, it keeps the `recent` newest and, among the others, the `heavy` with
 *   the largest accumulated score. Ties (equal scores) keep the earlier token.
 * Cost: O(N·budget·d) per decode.
 */
import type { Tensor } from 'lab';

export type Policy =
  | { kind: 'window'; recent: number }
  | { kind: 'sinks'; sinks: number; recent: number }
  | { kind: 'h2o'; heavy: number; recent: number };

export interface RefResult {
  o: { shape: number[]; data: Float64Array };
  /** Positions attended by the last query, ascending. */
  kept: number[];
  /** Mean over queries of the full-attention mass that falls on the attended keys. */
  mass: number;
}

function softmaxRow(q: Tensor, k: Tensor, t: number, keys: number[]): number[] {
  const d = q.shape[1];
  const s = keys.map((j) => {
    let dot = 0;
    for (let c = 0; c < d; c++) dot += q.data[t * d + c] * k.data[j * d + c];
    return dot / Math.sqrt(d);
  });
  const max = Math.max(...s);
  const e = s.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, x) => a + x, 0);
  return e.map((x) => x / sum);
}

/** `accumulate = false` gives the known mistake of scoring by the last step alone (for messages). */
export function referenceDecode(q: Tensor, k: Tensor, v: Tensor, policy: Policy, accumulate = true): RefResult {
  const [n, d] = q.shape;
  const o = new Float64Array(n * d);
  let cache: number[] = [];
  let score = new Map<number, number>();
  let kept: number[] = [];
  let mass = 0;
  for (let t = 0; t < n; t++) {
    let keys: number[];
    if (policy.kind === 'h2o') keys = [...cache, t];
    else {
      const s = policy.kind === 'sinks' ? policy.sinks : 0;
      keys = [];
      for (let j = 0; j <= t; j++) if (j < s || t - j < policy.recent) keys.push(j);
    }
    const p = softmaxRow(q, k, t, keys);
    keys.forEach((j, i) => {
      for (let c = 0; c < d; c++) o[t * d + c] += p[i] * v.data[j * d + c];
    });
    const all = softmaxRow(q, k, t, [...Array(t + 1).keys()]);
    mass += keys.reduce((a, j) => a + all[j], 0) / n;
    kept = [...keys].sort((a, b) => a - b);
    if (policy.kind === 'h2o') {
      keys.forEach((j, i) => score.set(j, (accumulate ? (score.get(j) ?? 0) : 0) + p[i]));
      cache = keys;
      if (cache.length > policy.heavy + policy.recent) {
        const recent = cache.slice(cache.length - policy.recent);
        const old = cache.slice(0, cache.length - policy.recent);
        const heavy = [...old]
          .sort((a, b) => (score.get(b) ?? 0) - (score.get(a) ?? 0) || a - b)
          .slice(0, policy.heavy)
          .sort((a, b) => a - b);
        cache = [...heavy, ...recent];
        score = new Map(cache.map((j) => [j, score.get(j) ?? 0]));
      }
    }
  }
  return { o: { shape: [n, d], data: o }, kept, mass };
}

/**
 * A synthetic stand-in for a trained model's attention sink: every query carries a shared
 * direction b, and key 0 points along it, so the first token draws large attention from every
 * query (trained LLMs learn such a sink; random inputs do not have one).
 */
export function sinkInputs(q: Tensor, k: Tensor, strength = 3): void {
  const d = q.shape[1];
  const n = q.shape[0];
  for (let t = 0; t < n; t++) for (let c = 0; c < d; c++) q.data[t * d + c] += c % 2 === 0 ? 1 : -1;
  for (let c = 0; c < d; c++) k.data[c] = strength * (c % 2 === 0 ? 1 : -1);
}
