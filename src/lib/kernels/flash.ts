// FlashAttention-2 style exact attention: the same output as attention.ts, computed tile by
// tile over the keys with the online softmax (syllabus §2.4).
// Cost: the same O(T·S·(d + dv)) arithmetic as attention.ts, but only O(blockSize + dv)
// working memory per query row: a full row of S scores (and, batched, the T×S matrix) never
// exists. On a GPU that is what turns O(N²) memory traffic into O(N²·d²/M).
// Differs from attention.ts: one pass over key tiles keeping a running max m, normaliser ℓ
// and unnormalised accumulator acc per row; acc is rescaled by e^{m−m'} when the max grows
// and divided by ℓ once at the end (FlashAttention-2's change from FA-1, which renormalised
// after every tile). Tiles wholly outside the mask are skipped, as FA-2 does for causal.
// Here each query row is processed on its own; a GPU kernel would take a tile of rows per
// workgroup, but the rows never interact, so the numbers are the same.

import { resolveAttention, visibleKeys, type AttentionInputs, type AttentionOptions } from './attention';
import { tensor, type Tensor } from './tensor';
import { expectPositiveInteger } from './validate';

export interface FlashAttentionOptions extends AttentionOptions {
  /** Keys per tile (B_c). Default 16: the tile a 16 KiB WebGPU workgroup holds at d = 64. */
  blockSize?: number;
}

export function flashAttention(inputs: AttentionInputs, options: FlashAttentionOptions = {}): { o: Tensor } {
  const kernel = 'flash_attention';
  const opts = resolveAttention(kernel, inputs, options);
  const blockSize = expectPositiveInteger(kernel, 'blockSize', options.blockSize ?? 16);
  const { q, k, v } = inputs;
  const [T, d] = q.shape;
  const [S, dv] = v.shape;
  const o = tensor([T, dv]);
  const tileScores = new Float64Array(blockSize);
  const acc = new Float64Array(dv);

  for (let i = 0; i < T; i++) {
    const [lo, hi] = visibleKeys(i, T, S, opts);
    let m = -Infinity; // running max of the scores seen so far
    let l = 0; // running Σ e^{s − m}
    acc.fill(0); // running Σ e^{s − m} v, not yet divided by l

    for (let start = 0; start < S; start += blockSize) {
      const end = Math.min(start + blockSize, S);
      // Only the visible part of the tile; a tile with none is skipped entirely.
      const from = Math.max(start, lo);
      const to = Math.min(end, hi);
      if (from >= to) continue;

      let tileMax = -Infinity;
      for (let j = from; j < to; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q.data[i * d + c] * k.data[j * d + c];
        const s = dot * opts.scale;
        tileScores[j - start] = s;
        tileMax = Math.max(tileMax, s);
      }

      // When the max grows, everything accumulated so far was exponentiated against the old
      // max; multiplying by e^{m − m'} re-expresses it against the new one exactly.
      // On the first tile m = −∞ and the factor is e^{−∞} = 0, applied to zeros.
      const mNew = Math.max(m, tileMax);
      const rescale = Math.exp(m - mNew);
      l *= rescale;
      for (let c = 0; c < dv; c++) acc[c] *= rescale;

      for (let j = from; j < to; j++) {
        const p = Math.exp(tileScores[j - start] - mNew);
        l += p;
        for (let c = 0; c < dv; c++) acc[c] += p * v.data[j * dv + c];
      }
      m = mNew;
    }

    // l = 0 only when no key was visible: keep the zero row, as attention.ts does.
    if (l > 0) {
      for (let c = 0; c < dv; c++) o.data[i * dv + c] = acc[c] / l;
    }
  }
  return { o };
}
