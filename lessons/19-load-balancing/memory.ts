/**
 * Analytic memory of one training step of lesson 19's router at N tokens (d = 16, E = 8): the
 * batch x (N×d float32) as a lab tensor and again as the kernel's input (a GPU buffer, or the
 * ONNX graph's input), the router weights W (d×E) likewise twice, and the logits (N×E) that the
 * kernel writes. The probabilities, routing and losses live in plain arrays of N×E at most, so the
 * total grows like N. FLOPs: 2·N·d·E for the logits and as many for ∂L/∂W, plus the aux run's
 * E + 1 passes over the N×E probabilities.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** The toy's token width and number of experts, also used by the sweep. */
export const D = 16;
export const E = 8;

export const memory: MemoryModel = {
  label: 'analytic: x and W twice, logits: 4·N·(2d + E) + 8·d·E bytes',
  buffers: (n) => [
    { name: 'x', bytes: 4 * n * D },
    { name: 'x (kernel input)', bytes: 4 * n * D },
    { name: 'w', bytes: 4 * D * E },
    { name: 'w (kernel input)', bytes: 4 * D * E },
    { name: 'logits', bytes: 4 * n * E }
  ],
  flops: (n, series) => 4 * n * D * E + (series.includes('aux') ? 2 * (E + 1) * n * E : 2 * n * E)
};
