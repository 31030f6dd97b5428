/**
 * Analytic memory of one recurrent delta-rule run for one head: q, k ([N, dk]), v and o ([N, dv]),
 * β ([N]) and the state S (dk×dv, constant in N). Everything is float32. There is no N×N buffer
 * and no KV cache: the state does not grow, so only the inputs and outputs scale, linearly.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Head dimensions used by the lesson's sweep (d_k = d_v). */
export const D = 64;
/** Chunk size of the chunkwise series. */
export const CHUNK = 64;

export const memory: MemoryModel = {
  label: 'analytic: 4·(4·N·d + N + d²) bytes',
  buffers: (n) => [
    { name: 'q', bytes: 4 * n * D },
    { name: 'k', bytes: 4 * n * D },
    { name: 'v', bytes: 4 * n * D },
    { name: 'beta', bytes: 4 * n },
    { name: 'o', bytes: 4 * n * D },
    { name: 'state S (d×d)', bytes: 4 * D * D }
  ]
};
