/**
 * Analytic memory of one run of chunked gated linear attention (one head, float32), as the WebGPU
 * kernel allocates it: q, k [N, dk]; v, o [N, dv]; g [N]; and the state entering each chunk,
 * ⌈N/C⌉ × dk × dv. Everything is linear in N: there is no N×N matrix and no KV cache, and the
 * recurrent form would need a single dk × dv state. (The ONNX graphs on WASM also hold the
 * C×C decay masks of every chunk, N·C floats: still linear.)
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Head widths and chunk size of the lesson's sweep. */
export const DK = 64;
export const DV = 64;
export const CHUNK = 64;

export const memory: MemoryModel = {
  label: 'analytic: 4·(N·(2dk + 2dv + 1) + ⌈N/C⌉·dk·dv) bytes',
  buffers: (n) => [
    { name: 'q', bytes: 4 * n * DK },
    { name: 'k', bytes: 4 * n * DK },
    { name: 'v', bytes: 4 * n * DV },
    { name: 'g', bytes: 4 * n },
    { name: 'chunk states', bytes: 4 * Math.ceil(n / CHUNK) * DK * DV },
    { name: 'o', bytes: 4 * n * DV }
  ]
};
