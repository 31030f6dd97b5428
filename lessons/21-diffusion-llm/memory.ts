/**
 * Analytic memory of one generation of an answer of N tokens after a prompt of P = 16, and the
 * attention work of each sampler in the sweep. Memory: the KV cache (K and V, 2 layers, of every
 * position, float32: 16·(P + N)·d bytes), the weights (a constant ~0.46 MB, mostly the table of
 * 1,024 position embeddings), and one call's h and logits. It grows like N.
 * FLOPs: reference.ts's callCosts simulates each sampler's calls and counts the attention
 * multiply-adds of every computed position against the keys it may see.
 */
import type { MemoryModel } from '$lib/lessons/types';
import { D, MAX_POSITIONS, VOCAB, callCosts } from './reference';

/** The sweep's prompt length, block length, and answer tokens committed per step. */
export const PROMPT = 16;
export const BLOCK = 16;
export const TOKENS_PER_STEP = 4;

/** The sweep's samplers, by series label: block length, steps and cache, for an answer of n tokens. */
export const SAMPLERS = [
  { label: 'autoregressive (B = 1, cached)', config: (n: number) => ({ blockLength: 1, steps: n, cache: true }) },
  {
    label: 'masked diffusion (B = L, T = L/4)',
    config: (n: number) => ({ blockLength: n, steps: n / TOKENS_PER_STEP, cache: false })
  },
  {
    label: 'block diffusion, no cache (B = 16)',
    config: (n: number) => ({ blockLength: BLOCK, steps: n / TOKENS_PER_STEP, cache: false })
  },
  {
    label: 'block diffusion + KV cache (B = 16)',
    config: (n: number) => ({ blockLength: BLOCK, steps: n / TOKENS_PER_STEP, cache: true })
  }
] as const;

export const memory: MemoryModel = {
  label: 'analytic: KV cache 16·(P + N)·d + weights + one call’s h and logits',
  buffers: (n) => [
    { name: 'K and V caches (2 layers)', bytes: 2 * 2 * 4 * (PROMPT + n) * D },
    { name: 'weights', bytes: 4 * ((VOCAB + 1) * D + MAX_POSITIONS * D + 2 * 6 * D * D + D * VOCAB) },
    { name: 'h and logits of one call', bytes: 4 * (PROMPT + n) * (D + VOCAB) }
  ],
  flops: (n, series) => {
    const s = SAMPLERS.find((x) => x.label === series);
    if (!s) return undefined;
    const { blockLength, steps, cache } = s.config(n);
    return callCosts(PROMPT, n, blockLength, steps, cache).attentionFlops;
  }
};
