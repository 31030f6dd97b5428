/**
 * Analytic memory of one run of the MoBA kernel (moba.wgsl) for one head at the sweep's shape:
 * Q, K, V and O (N×d float32 each), the mean-pooled keys (⌈N/B⌉×d) and a 16-byte uniform. The
 * gate's scores and each query's top-k live in registers, so nothing grows like N²: the total
 * grows like N. (Full attention's naive kernel needs 4·N² bytes of scores on top.)
 * FLOPs: the gate scores ⌊i/B⌋ pooled keys per query (2d each) and attention reads
 * min(k − 1, c)·B + (i − cB) + 1 keys (4d each): about N·(k·B·4d + (N/B)·d).
 */
import type { MemoryModel } from '$lib/lessons/types';
import { totalKeysRead, totalPooledRead } from './reference';

/** Head dimension of the sweep (d = dv). */
export const D = 64;
/** The sweep's gate: blocks of B = 64 keys, top-k = 3 blocks per query (its own included). */
export const BLOCK = 64;
export const TOPK = 3;

export const memory: MemoryModel = {
  label: 'analytic (MoBA kernel): 16·N·d + 4·⌈N/B⌉·d bytes',
  buffers: (n) => [
    { name: 'q', bytes: 4 * n * D },
    { name: 'k', bytes: 4 * n * D },
    { name: 'v', bytes: 4 * n * D },
    { name: 'pooled', bytes: 4 * Math.ceil(n / BLOCK) * D },
    { name: 'o', bytes: 4 * n * D },
    { name: 'params', bytes: 16 }
  ],
  flops: (n, series) => {
    if (series.startsWith('full')) return 2 * D * n * (n + 1);
    return 2 * D * totalPooledRead(n, BLOCK) + 4 * D * totalKeysRead(n, { blockSize: BLOCK, topk: TOPK });
  }
};
