/**
 * Analytic memory of one selective scan over N tokens, D channels and N_s states per channel,
 * float32. The parallel form (the chart's measured series) materialises the per-step pairs
 * ā = exp(ΔA) and b̄ = ΔBu as [N, D, N_s] arrays, the deltaA / deltaB_u of mamba-minimal, and
 * its Hillis–Steele rounds read one copy while writing the next: four [N, D, N_s] arrays. The
 * streamed (sequential, fused) form keeps each channel's N_s states in registers and stores
 * only the inputs and the output, all O(N·(D + N_s)). Both grow like N; the materialised one has
 * a slope about 4·N_s times larger.
 */
import type { BufferModel, MemoryModel } from '$lib/lessons/types';

/** Channels and state size of the sweep: small, so that the sweep reaches 64K tokens on a CPU. */
export const D = 2;
export const NS = 4;

/** A Mamba layer for the analytic comparison: d_model 1024 × expand 2 channels, d_state 16 (Mamba's defaults for expand and d_state). */
export const LAYER = { d: 2048, ns: 16 };

const F32 = 4;

/** What both forms read and write: u, Δ [N, D]; A [D, N_s]; B, C [N, N_s]; the skip D [D]; y [N, D]. */
export function ioBuffers(n: number, d = D, ns = NS): BufferModel[] {
  return [
    { name: 'u [N, D]', bytes: F32 * n * d },
    { name: 'delta [N, D]', bytes: F32 * n * d },
    { name: 'A [D, N_s]', bytes: F32 * d * ns },
    { name: 'B [N, N_s]', bytes: F32 * n * ns },
    { name: 'C [N, N_s]', bytes: F32 * n * ns },
    { name: 'D [D]', bytes: F32 * d },
    { name: 'y [N, D]', bytes: F32 * n * d }
  ];
}

/** The parallel form: the inputs and output, plus deltaA and deltaB_u and their next-round copies. */
export function materialisedBuffers(n: number, d = D, ns = NS): BufferModel[] {
  const state = F32 * n * d * ns;
  return [
    ...ioBuffers(n, d, ns),
    { name: 'deltaA [N, D, N_s]', bytes: state },
    { name: 'deltaB_u [N, D, N_s]', bytes: state },
    { name: 'deltaA, next round', bytes: state },
    { name: 'deltaB_u, next round', bytes: state }
  ];
}

/** mamba-minimal's materialised form: deltaA and deltaB_u as [N, D, N_s] arrays, then a loop over t. */
export function minimalBuffers(n: number, d = D, ns = NS): BufferModel[] {
  return [
    ...ioBuffers(n, d, ns),
    { name: 'deltaA [N, D, N_s]', bytes: F32 * n * d * ns },
    { name: 'deltaB_u [N, D, N_s]', bytes: F32 * n * d * ns }
  ];
}

/** The streamed form: the inputs and output; the [D, N_s] state never leaves the invocation. */
export function streamedBuffers(n: number, d = D, ns = NS): BufferModel[] {
  return ioBuffers(n, d, ns);
}

export const memory: MemoryModel = {
  label: 'analytic: 4 × [N, D, N_s] scan arrays + inputs and output',
  buffers: (n) => materialisedBuffers(n)
};
