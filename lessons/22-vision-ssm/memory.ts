/**
 * Analytic memory of the lesson's sweep, float32: one bidirectional scan (Vim) over n patch tokens
 * with D channels and N_s states, against one head of naive attention over the same tokens (the
 * baseline, src/lib/baselines/naive-attention). The scan keeps the inputs, their reversed copies
 * and three [n, D] outputs: linear in n. Attention stores the n×n scores: quadratic in n, and n
 * itself grows with the square of the image side, n = (H/p)².
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Channels, states per channel (Mamba's d_state) and patch size of the sweep. */
export const D = 16;
export const NS = 16;
export const P = 16;

const F32 = 4;

/** Bytes of the per-token scan inputs u, delta [n, D] and B, C [n, N_s]. */
const tokenInputs = (n: number) => F32 * n * (2 * D + 2 * NS);

export const memory: MemoryModel = {
  label: 'analytic: inputs, reversed inputs, 3 outputs [n, D]',
  buffers: (n) => [
    { name: 'u, delta, B, C', bytes: tokenInputs(n) },
    { name: 'the same, reversed', bytes: tokenInputs(n) },
    { name: 'A [D, N_s], D [D]', bytes: F32 * (D * NS + D) },
    { name: 'forward, backward, sum [n, D]', bytes: 3 * F32 * n * D }
  ]
};

/** The side of a square image whose patch grid has n tokens: H = p·√n. */
export const sideOf = (n: number) => P * Math.sqrt(n);
