/**
 * Analytic memory of one run of the tiled kernel (flash.wgsl) for one head: Q, K, V and O are
 * N×d float32, plus a 4-byte load counter and a 16-byte uniform. Nothing grows like N²: the
 * scores live one tile at a time in workgroup memory (2·B_c·d floats, a constant), so the total
 * grows like N. Compare lesson 01's naive kernel (src/lib/kernels/naive-attention.ts), whose N×N
 * score buffer stops at N ≈ 5,792 under 128 MiB.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Head dimension of the sweep: with 16 KiB of workgroup memory it gives B_c = ⌈4096/256⌉ = 16. */
export const D = 64;

export const memory: MemoryModel = {
  label: 'analytic (tiled kernel, WGSL or AssemblyScript): 16·N·d bytes',
  buffers: (n) => [
    { name: 'q', bytes: 4 * n * D },
    { name: 'k', bytes: 4 * n * D },
    { name: 'v', bytes: 4 * n * D },
    { name: 'o', bytes: 4 * n * D },
    { name: 'loads', bytes: 4 },
    { name: 'params', bytes: 16 }
  ],
  // Tiled or naive, causal attention does the same useful work as lesson 01: query i scores i + 1
  // keys and sums as many values, 4d FLOPs each, Σ_i 4d(i + 1) = 2d·N(N + 1). (Causal tile skipping
  // only avoids work that is masked anyway.)
  flops: (n) => 2 * D * n * (n + 1)
};
