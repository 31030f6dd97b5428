/**
 * Analytic memory of one run of the recurrent form, one head, float32: q, k, v, their images
 * φ(q), φ(k), and the output o are N×d each; the state S (d×d) and the normaliser z (d) are all
 * the recurrence keeps between tokens, and they do not grow with N. So the total grows like N
 * (the inputs and outputs), and what a decoder must keep to produce token N + 1 is constant.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Head dimension of the sweep (dk = dv = D): small, so that 64K tokens fit the time budget. */
export const D = 16;

/** Bytes of the state S (dk×dv) and the normaliser z (dk). */
export function stateBytes(dk: number, dv: number): number {
  return 4 * dk * dv + 4 * dk;
}

/** Bytes of a softmax decoder's KV cache for N tokens (keys and values, one head, one layer). */
export function kvCacheBytes(n: number, d: number): number {
  return 2 * n * d * 4;
}

export const memory: MemoryModel = {
  label: 'analytic, recurrent form: 6·4·N·d + 4·d·(d + 1) bytes',
  buffers: (n) => [
    { name: 'q', bytes: 4 * n * D },
    { name: 'k', bytes: 4 * n * D },
    { name: 'v', bytes: 4 * n * D },
    { name: 'φ(q)', bytes: 4 * n * D },
    { name: 'φ(k)', bytes: 4 * n * D },
    { name: 'o', bytes: 4 * n * D },
    { name: 'state S and z', bytes: stateBytes(D, D) }
  ]
};
