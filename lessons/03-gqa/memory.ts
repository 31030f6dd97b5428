/**
 * Analytic memory of one GQA decode step with N tokens cached, for one layer: the K and V caches
 * (g KV heads × N tokens × d, float32), one score per query head and cached token, and the H
 * queries and outputs. Only the cache depends on g; it is H/g times smaller than with MHA.
 * memory.ts cannot see the learner's G, so its curve is for the starting value, G = H/4.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Query heads and head dimension used by the lesson's sweep. */
export const H = 8;
export const D = 64;

export function gqaMemory(g: number): MemoryModel {
  return {
    label: `analytic for g = ${g}: KV cache 2·g·d·N·4 + scores 4·H·N bytes`,
    buffers: (n) => [
      { name: 'k cache (g×N×d)', bytes: 4 * g * n * D },
      { name: 'v cache (g×N×d)', bytes: 4 * g * n * D },
      { name: 'scores (H×N)', bytes: 4 * H * n },
      { name: 'q and o (H×d)', bytes: 2 * 4 * H * D }
    ]
  };
}

/** The chart's analytic line is for the sweep's starting G = H/4 = 2 (GQA); change G in main.ts and the measured line moves. */
export const memory: MemoryModel = gqaMemory(H / 4);
