/**
 * The float64 reference: the lesson's network (network.ts: two layers, d = 64, block-causal
 * attention) recomputed in float64 from the same seeded weights, and LLaDA's sampler
 * (generate.py: linear schedule, low-confidence remasking, semi-autoregressive blocks) driving it
 * without any cache, every call over every position up to the end of the current block.
 * Also: how many positions each call computes, and the attention FLOPs, for a sampler with and
 * without the cache (what memory.ts and the structural check count).
 * Cost: a call over n positions costs O(n·d² + n²·d); the sampler makes `steps` of them.
 */
import type { Lab } from '$lib/lessons/types';

export const D = 64;
export const VOCAB = 32;
export const MASK_ID = VOCAB;
export const MAX_POSITIONS = 1024;
const LAYERS = 2;

export interface Layout {
  promptLength: number;
  blockLength: number;
}

/** One past the last position that position `at` may see (the end of its block). */
export function blockEnd(at: number, { promptLength, blockLength }: Layout): number {
  if (at < promptLength) return promptLength;
  return promptLength + (Math.floor((at - promptLength) / blockLength) + 1) * blockLength;
}

/** network.ts's weights, drawn the same way (float32 values). */
export function referenceWeights(lab: Lab, seed: number) {
  const scaled = (shape: number[], s: number, scale: number) => lab.tensors.randn(shape, s).data.map((x) => x * scale);
  return {
    emb: lab.tensors.randn([VOCAB + 1, D], seed).data,
    pos: lab.tensors.randn([MAX_POSITIONS, D], seed + 1).data,
    layers: Array.from({ length: LAYERS }, (_, l) => scaled([6, D, D], seed + 2 + l, 1 / Math.sqrt(D))),
    wout: scaled([D, VOCAB], seed + 2 + LAYERS, 1 / Math.sqrt(D))
  };
}
type Weights = ReturnType<typeof referenceWeights>;

/** x [n·d] times the d×d matrix m of a layer's [6, d, d] weights. */
function times(x: Float64Array, w: Float32Array, m: number, n: number): Float64Array {
  const y = new Float64Array(n * D);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < D; r++) {
      const xr = x[i * D + r];
      for (let c = 0; c < D; c++) y[i * D + c] += xr * w[(m * D + r) * D + c];
    }
  return y;
}

/** Logits [n, vocab] of positions 0 … n − 1, computed from scratch in float64. */
export function referenceLogits(w: Weights, tokens: readonly number[], layout: Layout): Float64Array {
  const n = tokens.length;
  let h = new Float64Array(n * D);
  tokens.forEach((t, i) => {
    for (let c = 0; c < D; c++) h[i * D + c] = w.emb[t * D + c] + w.pos[i * D + c];
  });
  for (const wl of w.layers) {
    const [q, k, v] = [times(h, wl, 0, n), times(h, wl, 1, n), times(h, wl, 2, n)];
    const a = new Float64Array(n * D);
    for (let i = 0; i < n; i++) {
      const keys = Math.min(blockEnd(i, layout), n);
      const s = new Float64Array(keys);
      for (let j = 0; j < keys; j++) {
        for (let c = 0; c < D; c++) s[j] += q[i * D + c] * k[j * D + c];
        s[j] /= Math.sqrt(D);
      }
      const top = Math.max(...s);
      let sum = 0;
      for (let j = 0; j < keys; j++) sum += s[j] = Math.exp(s[j] - top);
      for (let j = 0; j < keys; j++) for (let c = 0; c < D; c++) a[i * D + c] += (s[j] / sum) * v[j * D + c];
    }
    const o = times(a, wl, 3, n);
    h = h.map((x, i) => x + o[i]);
    const hidden = times(h, wl, 4, n).map((x) => Math.max(x, 0));
    const m = times(hidden, wl, 5, n);
    h = h.map((x, i) => x + m[i]);
  }
  const logits = new Float64Array(n * VOCAB);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < D; r++)
      for (let c = 0; c < VOCAB; c++) logits[i * VOCAB + c] += h[i * D + r] * w.wout[r * VOCAB + c];
  return logits;
}

/** generate.py's linear schedule. */
export function schedule(maskCount: number, steps: number): number[] {
  const base = Math.floor(maskCount / steps);
  return Array.from({ length: steps }, (_, i) => base + (i < maskCount % steps ? 1 : 0));
}

export interface Sampling {
  genLength: number;
  blockLength: number;
  steps: number;
}

/**
 * LLaDA's sampler (generate.py, temperature 0, low-confidence remasking) over any network:
 * `logits(x, hi, call)` gives [hi, vocab] logits for positions 0 … hi − 1 of x at call number
 * `call`. Returns the sequence, the call at which each position was committed (−1 for the prompt),
 * and the smallest gap at a decision (argmax, or the last committed against the first left
 * masked), so a check can tell float32 rounding from a real difference. `least` commits the
 * least confident instead (a mistake the checks recognise).
 */
export function sample(
  logits: (x: readonly number[], hi: number, call: number) => ArrayLike<number>,
  vocab: number,
  maskId: number,
  prompt: readonly number[],
  { genLength, blockLength, steps }: Sampling,
  least = false
): { tokens: number[]; committedAt: number[]; margin: number } {
  const P = prompt.length;
  const x = [...prompt, ...new Array<number>(genLength).fill(maskId)];
  const committedAt = x.map(() => -1);
  const blocks = genLength / blockLength;
  let margin = Infinity;
  let call = 0;
  for (let b = 0; b < blocks; b++) {
    const [lo, hi] = [P + b * blockLength, P + (b + 1) * blockLength];
    for (const count of schedule(blockLength, steps / blocks)) {
      const z = logits(x, hi, call);
      const candidates: { at: number; token: number; confidence: number }[] = [];
      for (let at = lo; at < hi; at++) {
        if (x[at] !== maskId) continue;
        const row = Array.from({ length: vocab }, (_, v) => z[at * vocab + v]);
        const best = row.indexOf(Math.max(...row));
        margin = Math.min(margin, row[best] - Math.max(...row.filter((_, v) => v !== best)));
        candidates.push({ at, token: best, confidence: 1 / row.reduce((s, y) => s + Math.exp(y - row[best]), 0) });
      }
      candidates.sort((a, b) => (least ? a.confidence - b.confidence : b.confidence - a.confidence));
      if (count > 0 && count < candidates.length) {
        margin = Math.min(margin, Math.abs(candidates[count - 1].confidence - candidates[count].confidence));
      }
      for (const { at, token } of candidates.slice(0, count)) {
        x[at] = token;
        committedAt[at] = call;
      }
      call++;
    }
  }
  return { tokens: x, committedAt, margin };
}

/** The sampler on the float64 network, every call over positions 0 … end of the current block. */
export function referenceGenerate(w: Weights, prompt: readonly number[], s: Sampling) {
  const layout = { promptLength: prompt.length, blockLength: s.blockLength };
  return sample((x, hi) => referenceLogits(w, x.slice(0, hi), layout), VOCAB, MASK_ID, prompt, s);
}

/**
 * The positions each network call computes, and the attention multiply-adds it does (every
 * computed position scores and sums the keys it may see, in each layer), for a sampler over a
 * prompt of P and an answer of L in blocks of B with T steps, with or without the cache.
 */
export function callCosts(P: number, L: number, B: number, T: number, cache: boolean) {
  const blocks = L / B;
  const layout = { promptLength: P, blockLength: B };
  const calls: { start: number; end: number }[] = [];
  for (let b = 0; b < blocks; b++) {
    const [lo, hi] = [P + b * B, P + (b + 1) * B];
    for (let step = 0; step < T / blocks; step++) {
      const start = !cache ? 0 : step === 0 ? (b === 0 ? 0 : lo - B) : lo;
      calls.push({ start, end: hi });
    }
  }
  let positions = 0;
  let attentionFlops = 0;
  for (const { start, end } of calls) {
    positions += end - start;
    for (let i = start; i < end; i++) attentionFlops += LAYERS * 4 * D * Math.min(blockEnd(i, layout), end);
  }
  return { calls: calls.length, positions, attentionFlops };
}
