/**
 * Analytic memory of one run of chunked SSD (float32), as the WebGPU kernel allocates it: x and
 * y [L, H, P]; dt [L, H]; B and C [L, N_s]; A [H]; and one H × P × N_s state per chunk. All
 * linear in L. Decoding needs only one H × P × N_s state, whatever the length.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** The sweep's shape: 2 heads of width 32, a state of 32 per channel, chunks of 64. */
export const HEADS = 2;
export const P = 32;
export const NS = 32;
export const CHUNK = 64;

export const memory: MemoryModel = {
  label: 'analytic: 4·(L·(2HP + H + 2N_s) + ⌈L/C⌉·H·P·N_s) bytes',
  buffers: (n) => [
    { name: 'x', bytes: 4 * n * HEADS * P },
    { name: 'dt', bytes: 4 * n * HEADS },
    { name: 'A', bytes: 4 * HEADS },
    { name: 'B', bytes: 4 * n * NS },
    { name: 'C', bytes: 4 * n * NS },
    { name: 'chunk states', bytes: 4 * Math.ceil(n / CHUNK) * HEADS * P * NS },
    { name: 'y', bytes: 4 * n * HEADS * P }
  ]
};
