/**
 * Analytic memory of one simulated quantized-attention run (one head, causal, naive N×N scores):
 * Q, K (smoothed), V and O, the dequantized copies of Q and K (f32: the quantization is simulated),
 * and the N×N score matrix, which dominates. Also the bytes that Q and K would occupy if they were
 * really stored at b bits with one float32 scale per block, for the lesson's bytes-vs-N chart.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Head dimension and quantization block (tokens per scale) of the lesson's sweep. */
export const D = 64;
export const BLOCK = 64;

export const memory: MemoryModel = {
  label: 'analytic: 4·N² scores + 6 · 4·N·d (Q, K, V, O, dequantized Q̂ and K̂)',
  buffers: (n) => [
    { name: 'scores (N×N)', bytes: 4 * n * n },
    { name: 'q', bytes: 4 * n * D },
    { name: 'k (smoothed)', bytes: 4 * n * D },
    { name: 'v', bytes: 4 * n * D },
    { name: 'q̂ (dequantized, f32)', bytes: 4 * n * D },
    { name: 'k̂ (dequantized, f32)', bytes: 4 * n * D },
    { name: 'o', bytes: 4 * n * D }
  ]
};

/** Bytes of Q and K stored at `bits` per element; integer formats add one float32 scale per block of each. */
export function qkBytes(n: number, bits: number, scaled: boolean, d = D, block = BLOCK): number {
  return 2 * ((n * d * bits) / 8 + (scaled ? 4 * Math.ceil(n / block) : 0));
}
