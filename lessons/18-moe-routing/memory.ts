/**
 * Analytic memory and FLOPs of lesson 18's MoE layer at the sweep's shape (d = 64, E = 8 experts
 * of hidden width h = 64, K = 2 per token, no shared expert), against a dense SwiGLU FFN of width
 * K·h = 128, which has the same ACTIVE parameters per token.
 * Memory: the tokens (x and y, N·d each), the logits and gates (N·E each), the rows handed to the
 * experts and their outputs (K·N·d each), and the expert weights, 3·E·d·h floats whatever N is:
 * the large constant of a sparse model. FLOPs: 2·3·d·h per (token, expert) assignment, so
 * 6·d·h·K·N for both series: sparsity changes the parameters, not the work per token.
 */
import type { MemoryModel } from '$lib/lessons/types';

export const D = 64;
export const H = 64;
export const E = 8;
export const K = 2;

/** Parameters of an MoE layer: E experts of 3·d·h weights each, plus the d·E router. */
export const totalParams = (experts: number, d = D, h = H) => experts * 3 * d * h + d * experts;
/** Parameters one token touches: K experts and the router. */
export const activeParams = (experts: number, k = K, d = D, h = H) => k * 3 * d * h + d * experts;
/** FLOPs per token: 2 per multiply–add over the active parameters. */
export const flopsPerToken = (experts: number, k = K, d = D, h = H) => 2 * activeParams(experts, k, d, h);

export const memory: MemoryModel = {
  label: 'analytic (MoE layer, E = 8, K = 2): expert weights + (2 + 2K)·N·d + 2·N·E floats',
  buffers: (n) => [
    { name: 'expert weights', bytes: 4 * 3 * E * D * H },
    { name: 'x', bytes: 4 * n * D },
    { name: 'logits', bytes: 4 * n * E },
    { name: 'gates', bytes: 4 * n * E },
    { name: 'routed rows', bytes: 4 * K * n * D },
    { name: 'expert outputs', bytes: 4 * K * n * D },
    { name: 'y', bytes: 4 * n * D }
  ],
  flops: (n) => 6 * D * H * K * n
};
