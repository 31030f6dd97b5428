/**
 * Analytic memory of one chunkwise run, one head, float32: q, k, v and o are N×d each, and the
 * chunk states, one dk×dv matrix per chunk, are ⌈N/C⌉·d² more (kept in memory because pass 3
 * reads them; a training kernel keeps them for the backward pass too). Both grow like N: with
 * C = 16 and d = 16 the states add a quarter of the bytes of q, k, v and o.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Head dimension of the sweep (dk = dv = D). */
export const D = 16;
/**
 * Chunk size of the N sweep. 16 was the fastest here, on SwiftShader and in plain TypeScript
 * (see the time-vs-C chart); flash-linear-attention's reference uses 64, for GPUs, where the intra-chunk
 * product runs on tensor cores.
 */
export const CHUNK = 16;

export const memory: MemoryModel = {
  label: `analytic, chunkwise C = ${CHUNK}: 4·4·N·d + 4·⌈N/C⌉·d² bytes`,
  buffers: (n) => [
    { name: 'q', bytes: 4 * n * D },
    { name: 'k', bytes: 4 * n * D },
    { name: 'v', bytes: 4 * n * D },
    { name: 'o', bytes: 4 * n * D },
    { name: 'chunk states', bytes: 4 * Math.ceil(n / CHUNK) * D * D }
  ]
};
