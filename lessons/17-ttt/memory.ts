/**
 * Analytic memory of one mini-batch TTT-Linear run for one head: q, k ([N, dk]), v and z ([N, dv]),
 * η ([N]), the in-batch scores q_t·k_s ([N, b], written by the first WGSL pass) and the inner
 * model W (dk×dv, constant in N). Everything is float32. Like every RNN in part D, the state does
 * not grow with N; only the inputs and outputs do.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Head dimensions used by the sweep (d_k = d_v). */
export const D = 64;
/** Mini-batch size of the sweep's main series (the TTT paper's b = 16). */
export const B = 16;

export const memory: MemoryModel = {
  label: 'analytic: 4·(4·N·d + N + N·b + d²) bytes',
  buffers: (n) => [
    { name: 'q', bytes: 4 * n * D },
    { name: 'k', bytes: 4 * n * D },
    { name: 'v', bytes: 4 * n * D },
    { name: 'eta', bytes: 4 * n },
    { name: 'scores (N×b)', bytes: 4 * n * B },
    { name: 'z', bytes: 4 * n * D },
    { name: 'inner model W (d×d)', bytes: 4 * D * D }
  ]
};
