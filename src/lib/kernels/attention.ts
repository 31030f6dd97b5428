// Softmax attention, the baseline every other kernel is measured against (syllabus §2.1–2.2).
//   attention:     o = softmax(mask(q kᵀ · scale)) v, one query row at a time.
//   gqaAttention:  the same per head, with groups of query heads sharing one K/V head.
// Cost: O(T·S·(d + dv)) time for T queries and S keys; O(S) extra memory per row here
// (a batched implementation materialises the T×S score matrix, O(N²)).
// Previous version: none, this is the first reference. The next, FlashAttention (flash.ts),
// computes the same numbers without ever holding a full score row.

import { tensor, type Tensor } from './tensor';
import { expectFiniteNumber, expectPositiveInteger, expectSameDim, expectShape } from './validate';

export interface AttentionOptions {
  /** Default true. */
  causal?: boolean;
  /** Default 1/√d. */
  scale?: number;
  /** Sliding window w: each query sees only its w most recent keys (itself included). Needs causal. */
  window?: number;
  /**
   * Attention sinks s (StreamingLLM): with a window, the first s keys stay visible to every query
   * that has reached them, so query i sees key j iff j ≤ i and (i − j < w or j < s). Needs window.
   */
  sinks?: number;
}

export interface AttentionInputs {
  q: Tensor; // [T, d]
  k: Tensor; // [S, d]
  v: Tensor; // [S, dv]
}

export interface ResolvedAttentionOptions {
  causal: boolean;
  scale: number;
  window: number | undefined;
}

/** Checks shapes and fills in defaults; shared with flash.ts so both kernels agree on both. */
export function resolveAttention(
  kernel: string,
  { q, k, v }: AttentionInputs,
  options: AttentionOptions
): ResolvedAttentionOptions {
  expectShape(kernel, 'q', q, ['T', 'd']);
  expectShape(kernel, 'k', k, ['S', 'd']);
  expectShape(kernel, 'v', v, ['S', 'dv']);
  expectSameDim(kernel, 'q', q, 1, 'k', k, 1, 'd');
  expectSameDim(kernel, 'k', k, 0, 'v', v, 0, 'S');
  return resolveAttentionOptions(kernel, q.shape[1], options);
}

/** Defaults and checks for the options alone, given the head dimension d. */
export function resolveAttentionOptions(
  kernel: string,
  d: number,
  options: AttentionOptions
): ResolvedAttentionOptions {
  const causal = options.causal ?? true;
  const scale = expectFiniteNumber(kernel, 'scale', options.scale ?? (d > 0 ? 1 / Math.sqrt(d) : 1));
  const window = options.window;
  if (window !== undefined) {
    expectPositiveInteger(kernel, 'window', window);
    // A window that is not anchored at the query's own position has no single obvious
    // meaning (left only? both sides?), so we refuse rather than guess.
    if (!causal) throw new Error(`${kernel}: option window needs causal: true`);
  }
  return { causal, scale, window };
}

/**
 * The keys query i may attend to, as a half-open range [lo, hi). Every mask used here is a
 * contiguous run of keys, which lets flash.ts skip whole tiles.
 *
 * When T ≠ S the ends are aligned: query i sits at key position p = i + S − T, as when T new
 * tokens are appended after S − T cached ones (decoding, chunked prefill). Causal means j ≤ p;
 * a window w further requires j ≥ p − w + 1. If T > S, the first T − S queries see no key at
 * all and their output is defined as zeros.
 */
export function visibleKeys(i: number, T: number, S: number, opts: ResolvedAttentionOptions): [number, number] {
  const p = i + S - T;
  const hi = opts.causal ? Math.min(S, p + 1) : S;
  const lo = opts.window !== undefined ? Math.max(0, p - opts.window + 1) : 0;
  return [lo, Math.max(lo, hi)];
}

/** The sink count, checked: an integer ≥ 0, and only beside a window (without one every key is visible anyway). */
function resolveSinks(kernel: string, sinks: number | undefined, window: number | undefined): number {
  if (sinks === undefined) return 0;
  if (!Number.isInteger(sinks) || sinks < 0) {
    throw new Error(`${kernel}: option sinks must be an integer ≥ 0, got ${String(sinks)}`);
  }
  if (window === undefined) throw new Error(`${kernel}: option sinks needs a window (sinks only matter beside one)`);
  return sinks;
}

/**
 * The keys query i sees, in increasing order: the window's range [lo, hi) from `visibleKeys`,
 * preceded by the sinks [0, min(s, lo)) that the window has left behind (never a key after the
 * query, so a sink is only visible once the query has reached it).
 */
function visibleList(i: number, T: number, S: number, opts: ResolvedAttentionOptions, sinks: number): number[] {
  const [lo, hi] = visibleKeys(i, T, S, opts);
  const keys: number[] = [];
  for (let j = 0; j < Math.min(sinks, lo, hi); j++) keys.push(j);
  for (let j = lo; j < hi; j++) keys.push(j);
  return keys;
}

export function attention(inputs: AttentionInputs, options: AttentionOptions = {}): { o: Tensor } {
  const opts = resolveAttention('attention', inputs, options);
  const sinks = resolveSinks('attention', options.sinks, opts.window);
  const { q, k, v } = inputs;
  const [T, d] = q.shape;
  const [S, dv] = v.shape;
  const o = tensor([T, dv]);
  const scores = new Float64Array(S);

  for (let i = 0; i < T; i++) {
    const keys = visibleList(i, T, S, opts, sinks);
    if (keys.length === 0) continue; // fully masked: leave zeros instead of 0/0 = NaN

    let rowMax = -Infinity;
    for (const j of keys) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q.data[i * d + c] * k.data[j * d + c];
      scores[j] = dot * opts.scale;
      rowMax = Math.max(rowMax, scores[j]);
    }

    // Subtracting the row max leaves softmax unchanged (it cancels between numerator and
    // denominator) but keeps exp() ≤ 1, so large scores cannot overflow to Infinity.
    let denominator = 0;
    for (const j of keys) {
      scores[j] = Math.exp(scores[j] - rowMax);
      denominator += scores[j];
    }
    for (const j of keys) {
      const weight = scores[j] / denominator;
      for (let c = 0; c < dv; c++) o.data[i * dv + c] += weight * v.data[j * dv + c];
    }
  }
  return { o };
}

export interface GqaInputs {
  q: Tensor; // [Hq, T, d]
  k: Tensor; // [Hkv, S, d]
  v: Tensor; // [Hkv, S, dv]
}

/** Head `h` of a [H, rows, cols] tensor, as a [rows, cols] tensor (copied, for clarity over speed). */
function head(t: Tensor, h: number): Tensor {
  const [, rows, cols] = t.shape;
  return tensor([rows, cols], t.data.subarray(h * rows * cols, (h + 1) * rows * cols));
}

/**
 * Grouped-query attention. Query head h reads KV head ⌊h·Hkv/Hq⌋, so consecutive query heads
 * form a group; that is FlashAttention's `repeat(k, "b s h d -> b s (h g) d")`. Hkv = Hq is
 * plain multi-head attention, Hkv = 1 is MQA. The arithmetic is unchanged; what shrinks by
 * Hq/Hkv is the KV cache, which this reference does not model.
 */
export function gqaAttention(inputs: GqaInputs, options: AttentionOptions = {}): { o: Tensor } {
  const kernel = 'gqa_attention';
  const { q, k, v } = inputs;
  expectShape(kernel, 'q', q, ['Hq', 'T', 'd']);
  expectShape(kernel, 'k', k, ['Hkv', 'S', 'd']);
  expectShape(kernel, 'v', v, ['Hkv', 'S', 'dv']);
  expectSameDim(kernel, 'q', q, 2, 'k', k, 2, 'd');
  expectSameDim(kernel, 'k', k, 0, 'v', v, 0, 'Hkv');
  expectSameDim(kernel, 'k', k, 1, 'v', v, 1, 'S');
  const [Hq, T] = q.shape;
  const [Hkv] = k.shape;
  const dv = v.shape[2];
  if (Hkv === 0 || Hq % Hkv !== 0) {
    throw new Error(
      `${kernel}: q has shape [${q.shape.join(',')}] (Hq = ${Hq}) and k has shape [${k.shape.join(',')}] (Hkv = ${Hkv}); ` +
        'the number of query heads must be a multiple of the number of KV heads'
    );
  }

  // Checked here so that a bad option is reported under this kernel's name, not 'attention'.
  resolveAttentionOptions(kernel, q.shape[2], options);

  const o = tensor([Hq, T, dv]);
  for (let h = 0; h < Hq; h++) {
    const kvHead = Math.floor((h * Hkv) / Hq);
    const perHead = attention({ q: head(q, h), k: head(k, kvHead), v: head(v, kvHead) }, options);
    o.data.set(perHead.o.data, h * T * dv);
  }
  return { o };
}
