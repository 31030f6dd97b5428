/**
 * Analytic memory of one run of the banded kernel (banded.wgsl) for one head at a fixed window:
 * Q, K, V and O are N×d float32, plus a 16-byte uniform. Nothing grows like N² (nor like N·w):
 * the band's scores live one tile at a time in workgroup memory (BC·d floats each for K and V, a
 * constant). Decoding (ring.ts) needs less still: a K and a V cache of w rows, 8·w·d bytes
 * whatever N is. Compare lesson 01's naive kernel, whose N×N score buffer grows like N².
 */
import type { MemoryModel } from '$lib/lessons/types';
import { swaCount } from './reference';

/** Head dimension of the sweep. */
export const D = 64;
/** Window of the sweep: small next to the largest N, so the band is visibly cheaper than the triangle. */
export const W = 128;

/** Bytes of the decoder's ring buffer: w rows of K and of V. */
export const ringBytes = (w: number, d: number) => 2 * 4 * w * d;

export const memory: MemoryModel = {
  label: 'analytic (banded WGSL kernel): 16·N·d bytes',
  buffers: (n) => [
    { name: 'q', bytes: 4 * n * D },
    { name: 'k', bytes: 4 * n * D },
    { name: 'v', bytes: 4 * n * D },
    { name: 'o', bytes: 4 * n * D },
    { name: 'params', bytes: 16 }
  ],
  // Useful work: query i scores min(i + 1, w) keys and sums as many values, 4d FLOPs each:
  // 4d·(w·N − w(w − 1)/2) once N ≥ w. Full causal attention (the naive series) does 2d·N(N + 1).
  flops: (n, series) => (series.startsWith('naive') ? 2 * D * n * (n + 1) : 4 * D * swaCount(n, W))
};
