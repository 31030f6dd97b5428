/**
 * Analytic memory of one weight-absorbed MLA decode step (one new token, N cached tokens), and the
 * formulas the lesson's plots draw. The cache is the latent c_kv [N, d_c] plus the shared RoPE key
 * k_pe [N, d_R]: (d_c + d_R) floats per token, whatever the number of heads. Everything else
 * (query, the two up-projections, the output) does not grow with N; the score row, h·N floats, does.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** The lesson's own small shapes (DeepSeek-V2's ratios: d_c = 4·d_h, d_R = d_h/2). */
export const SHAPE = { heads: 8, dNope: 32, dRope: 16, dV: 32, dC: 128 } as const;

const { heads: H, dNope, dRope, dV, dC } = SHAPE;

export const memory: MemoryModel = {
  label: 'analytic (absorbed): latent cache 4·N·(d_c + d_R) + scores 4·h·N bytes',
  buffers: (n) => [
    { name: 'c_kv (latent cache, N×d_c)', bytes: 4 * n * dC },
    { name: 'k_pe (RoPE key cache, N×d_R)', bytes: 4 * n * dRope },
    { name: 'scores (h×N)', bytes: 4 * H * n },
    { name: 'q_nope', bytes: 4 * H * dNope },
    { name: 'q_pe', bytes: 4 * H * dRope },
    { name: 'w_uk (h×d_h×d_c)', bytes: 4 * H * dNope * dC },
    { name: 'w_uv (h×d_v×d_c)', bytes: 4 * H * dV * dC },
    { name: 'o', bytes: 4 * H * dV }
  ]
};

/** The naive path's buffers: per-head keys [h, N, d_h + d_R] and values [h, N, d_v] are cached. */
export function naiveBuffers(n: number) {
  return [
    { name: 'k cache (h×N×(d_h+d_R))', bytes: 4 * n * H * (dNope + dRope) },
    { name: 'v cache (h×N×d_v)', bytes: 4 * n * H * dV },
    { name: 'scores (h×N)', bytes: 4 * H * n },
    { name: 'q', bytes: 4 * H * (dNope + dRope) },
    { name: 'o', bytes: 4 * H * dV }
  ];
}

/** An MLA configuration, named as in DeepSeek-V3's inference/configs. */
export interface MlaConfig {
  heads: number;
  /** qk_nope_head_dim (d_h) */
  dNope: number;
  /** qk_rope_head_dim (d_h^R) */
  dRope: number;
  /** v_head_dim */
  dV: number;
  /** kv_lora_rank (d_c) */
  dC: number;
}

/** DeepSeek-V2 (config_236B.json): 128 heads, kv_lora_rank 512, qk_nope/rope/v 128/64/128, 60 layers. */
export const DEEPSEEK_V2: MlaConfig & { layers: number } = {
  heads: 128,
  dNope: 128,
  dRope: 64,
  dV: 128,
  dC: 512,
  layers: 60
};

/**
 * FLOPs (2 per multiply–add) to decode one token in one layer with N cached tokens, attention only
 * (the projections of the new token itself are the same for every variant and left out).
 */
export const decodeFlops = {
  /** attn_impl="naive": per-head K and V are cached; scores over d_h + d_R, then P·V over d_v. */
  naive: (c: MlaConfig, n: number) => 2 * c.heads * n * (c.dNope + c.dRope) + 2 * c.heads * n * c.dV,
  /** Naive maths on a latent cache: every step re-expands all N cached latents into K and V first. */
  reexpand: (c: MlaConfig, n: number) => 2 * n * c.dC * c.heads * (c.dNope + c.dV) + decodeFlops.naive(c, n),
  /** attn_impl="absorb": absorb W_UK into q, score and mix in latent space, then apply W_UV once. */
  absorbed: (c: MlaConfig, n: number) =>
    2 * c.heads * c.dNope * c.dC +
    2 * c.heads * n * (c.dC + c.dRope) +
    2 * c.heads * n * c.dC +
    2 * c.heads * c.dC * c.dV
};
