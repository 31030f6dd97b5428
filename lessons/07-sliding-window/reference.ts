/**
 * Float64 references for lesson 07, and the exact counts its checks compare with.
 *
 * - Attention: causal sliding-window attention for one head from the shared kernel registry,
 *   query i sees key j iff j ≤ i and i − j < w (O(N·w·d) useful work; the registry computes it
 *   plainly, readable over fast).
 * - The masks: sliding window, dilated window, window plus global tokens, as plain predicates.
 * - Read counts of the lesson's banded kernel (banded.wgsl) and floats moved by its WASM loop,
 *   derived from their loop structures; and the count a kernel that walks every causal key would
 *   read, for the message that names that mistake.
 */
import { runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };

const toF64 = (t: T) => tensor([...t.shape], t.data);

/** Sliding-window causal attention: o_i = softmax over keys max(0, i − w + 1) … i. */
export function reference(q: T, k: T, v: T, window: number) {
  return runKernel('attention', { q: toF64(q), k: toF64(k), v: toF64(v) }, { causal: true, window }).o;
}

/** Plain causal attention (no window), for the message that recognises a missing window. */
export function causalReference(q: T, k: T, v: T) {
  return runKernel('attention', { q: toF64(q), k: toF64(k), v: toF64(v) }, { causal: true }).o;
}

/** A static sparse pattern: w keys per query, spaced `dilation` apart, plus `globals` global tokens. */
export interface MaskSpec {
  window: number;
  /** Gap between the keys a query sees (1: contiguous). Default 1. */
  dilation?: number;
  /** The first g tokens are global: every later query sees them. Default 0. */
  globals?: number;
}

/** Does query i see key j? Causal; distance i − j a multiple of r below r·w; or j a global token. */
export function visibleRef(i: number, j: number, spec: MaskSpec): boolean {
  const r = spec.dilation ?? 1;
  const g = spec.globals ?? 0;
  if (j > i) return false;
  if (j < g) return true;
  const dist = i - j;
  return dist % r === 0 && dist / r < spec.window;
}

/** The N×N mask, row-major, 1 where query i sees key j. */
export function maskRef(n: number, spec: MaskSpec): Uint8Array {
  const out = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = visibleRef(i, j, spec) ? 1 : 0;
  return out;
}

/** Nonzeros of the causal sliding-window mask, counted row by row: Σ_i min(i + 1, w). */
export function swaCount(n: number, w: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c += Math.min(i + 1, w);
  return c;
}

/** Query rows per workgroup and keys per tile of banded.wgsl (main.ts passes these to the shader). */
export const BR = 16;
export const BC = 16;
/** Query rows per ONNX call on WASM (main.ts's QUERY_BLOCK). */
export const QB = 64;

/**
 * Floats of Q, K and V the banded kernel reads. Query block b (rows r0 … e − 1, e = min(r0 + B_r, N))
 * needs keys max(0, r0 − w + 1) … e − 1 and nothing else: each of those rows of K and V is loaded
 * into workgroup memory once. Q: each row once, N·d.
 *   reads = N·d + 2·d·Σ_b (e_b − max(0, r0_b − w + 1))  ≤  N·d + 2·d·N·(B_r + w − 1)/B_r.
 */
export function bandedReads(n: number, d: number, w: number, br = BR): number {
  let keys = 0;
  for (let r0 = 0; r0 < n; r0 += br) keys += Math.min(r0 + br, n) - Math.max(0, r0 - w + 1);
  return n * d + 2 * d * keys;
}

/** The same tiling walking every causal key 0 … e − 1 of each block (and masking): O(N²·d/B_r). */
export function causalReads(n: number, d: number, br = BR): number {
  let keys = 0;
  for (let r0 = 0; r0 < n; r0 += br) keys += Math.min(r0 + br, n);
  return n * d + 2 * d * keys;
}

/**
 * Floats sent to and from onnxruntime by the WASM loop: per block of QB query rows (the last one
 * padded), the block's Q (QB·d), the QB + w − 1 rows of K and of V that end at the block's last row
 * (zeros before key 0), the block's first row (1 number), and the block's output back (QB·d).
 */
export function bandedTransfers(n: number, d: number, w: number, qb = QB): number {
  return Math.ceil(n / qb) * (2 * qb * d + 2 * (qb + w - 1) * d + 1);
}
