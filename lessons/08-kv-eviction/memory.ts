/**
 * Analytic memory of decoding one head with an evicting KV cache (policy.ts): the prompt's q, k, v
 * and the output o are N×d each (they grow like N, and a real decoder streams them), while the
 * cache, K and V of budget + 1 rows and a score per row, is 4·(2·d + 1)·(budget + 1) bytes, the
 * same at every N. A full KV cache (lesson 02) holds 2·N·d floats instead.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Head dimension and cache budget (heavy + recent) of the sweep. */
export const D = 64;
export const BUDGET = 64;

/** Bytes of the evicting cache: budget + 1 rows of K, of V and of scores. */
export const evictingBytes = (budget: number, d: number) => 4 * (2 * d + 1) * (budget + 1);
/** Bytes of a full KV cache after N tokens. */
export const fullBytes = (n: number, d: number) => 2 * 4 * n * d;

export const memory: MemoryModel = {
  label: 'analytic: q, k, v, o (16·N·d bytes) + the evicting cache, 4·(2d + 1)·(budget + 1) bytes, flat in N',
  buffers: (n) => [
    { name: 'q, k, v, o (streamed)', bytes: 16 * n * D },
    { name: 'k cache', bytes: 4 * D * (BUDGET + 1) },
    { name: 'v cache', bytes: 4 * D * (BUDGET + 1) },
    { name: 'scores', bytes: 4 * (BUDGET + 1) }
  ]
};
