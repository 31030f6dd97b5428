/**
 * Analytic memory of naive attention for one head: Q, K, V and O are N×d, and the score matrix is
 * N×N. Everything is float32 (4 bytes). The N² term is the quadratic wall: it alone decides where
 * the kernel stops fitting in one storage buffer.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Head dimension used by the lesson's sweep. */
export const D = 64;

export const memory: MemoryModel = {
  label: 'analytic: 4·N² + 4·4·N·d bytes',
  buffers: (n) => [
    { name: 'scores (N×N)', bytes: 4 * n * n },
    { name: 'q', bytes: 4 * n * D },
    { name: 'k', bytes: 4 * n * D },
    { name: 'v', bytes: 4 * n * D },
    { name: 'o', bytes: 4 * n * D }
  ],
  // Causal: query i scores i + 1 keys (2d FLOPs each) and sums as many values (2d each),
  // Σ_i 4d(i + 1) = 2d·N(N + 1). The softmax's exps are not counted.
  flops: (n) => 2 * D * n * (n + 1)
};
