/**
 * Analytic memory of one decode step with N tokens cached, for one head of one layer: the K and V
 * caches (N×d float32 each, the 2·g·d·N·b of the KV-cache formula with g = 1, b = 4), one score per
 * cached token, and the new token's q, k, v and output. Everything grows like N; the cache dominates.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Head dimension used by the lesson's sweep. */
export const D = 64;

export const memory: MemoryModel = {
  label: 'analytic: KV cache 2·d·N·4 + scores 4·N bytes',
  buffers: (n) => [
    { name: 'k cache (N×d)', bytes: 4 * n * D },
    { name: 'v cache (N×d)', bytes: 4 * n * D },
    { name: 'scores (N)', bytes: 4 * n },
    { name: 'q, k, v, o of the new token', bytes: 4 * 4 * D }
  ]
};
