/**
 * Float64 references for lesson 05, and the exact traffic models the checks and charts use.
 *
 * - Attention: causal softmax attention for one head from the shared kernel registry (O(N²d)
 *   time, O(N²) memory; the tiled kernels must agree with it).
 * - Block sizes from the workgroup memory, as FlashAttention-1's Algorithm 1 chooses them.
 * - Softmax statistics of one row, the two-pass way (max first, then Σ e^{s−max}): what the
 *   learner's one-pass `onlineSoftmax` must reproduce.
 * - Traffic models, in f32 elements moved between global memory and the chip (reads + writes).
 *   The registry has no traffic counts, so they are derived here from each loop structure.
 */
import { runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };

const toF64 = (t: T) => tensor([...t.shape], t.data);

export function reference(q: T, k: T, v: T, causal = true) {
  return runKernel('attention', { q: toF64(q), k: toF64(k), v: toF64(v) }, { causal }).o;
}

/** FlashAttention-1's block sizes (Algorithm 1): B_c = ⌈M/4d⌉ with M = bytes/4 floats, B_r = min(B_c, d). */
export function blockSizesFor(d: number, bytes: number): { bc: number; br: number } {
  const bc = Math.ceil(Math.floor(bytes / 4) / (4 * d));
  return { bc, br: Math.min(bc, d) };
}

/** max and Σ e^{s − max} of a row, in two passes: softmax_j = e^{s_j − max} / sum. */
export function softmaxStats(row: readonly number[]): { max: number; sum: number } {
  const max = Math.max(...row);
  let sum = 0;
  for (const s of row) sum += Math.exp(s - max);
  return { max, sum };
}

/** The sum a one-pass loop gets when it forgets to rescale: Σ_j e^{s_j − (max of s_0..s_j)}. */
export function unrescaledSum(row: readonly number[]): number {
  let max = -Infinity;
  let sum = 0;
  for (const s of row) {
    max = Math.max(max, s);
    sum += Math.exp(s - max);
  }
  return sum;
}

/**
 * Floats per counted read of Q, K and V: flash.wgsl binds them as array<vec4f>, and the harness
 * counts one read per array element (a vec4, 4 floats).
 */
export const FLOATS_PER_READ = 4;

/**
 * Global loads of Q, K and V by the lesson's FA-2 kernel (flash.wgsl), counted exactly.
 * One workgroup per query block b = 0 … T_r − 1 of B_r rows, T_r = ⌈N/B_r⌉. Its rows end at
 * e_b = min((b+1)·B_r, N). It reads its own rows of Q once (N·d in all) and, because of the causal
 * mask, only the keys 0 … e_b − 1 of K and of V: 2·d·e_b. Summing e_b over the blocks,
 *   Σ e_b = B_r·T_r(T_r − 1)/2 + N, so loads = N·d + 2·d·Σ e_b = 3·N·d + d·B_r·T_r(T_r − 1).
 */
export function fa2CausalLoads(n: number, d: number, br: number): number {
  const tr = Math.ceil(n / br);
  return 3 * n * d + d * br * tr * (tr - 1);
}

/** The same kernel, reads and writes: the loads above plus O written once (N·d). */
export function fa2CausalTraffic(n: number, d: number, br: number): number {
  return fa2CausalLoads(n, d, br) + n * d;
}

/** A kernel that keeps FA-2's order but loads every key tile (no causal skipping): N·d + 2·N·d·T_r. */
export function fa2FullLoads(n: number, d: number, br: number): number {
  return n * d + 2 * n * d * Math.ceil(n / br);
}

/**
 * FlashAttention-1 (Algorithm 1 of 2205.14135), as in the syllabus: K and V read once (2Nd); for
 * each of the T_c = ⌈N/B_c⌉ key blocks, Q and O read and O written (3Nd) and m, ℓ read and
 * written (4N). The WASM version of this lesson has exactly this loop order.
 */
export function fa1Traffic(n: number, d: number, bc: number): number {
  return 2 * n * d + Math.ceil(n / bc) * (3 * n * d + 4 * n);
}

/** Standard attention: read Q, K; write S; read S, write P; read P, V; write O (no causal saving). */
export function standardTraffic(n: number, d: number): number {
  return 4 * n * d + 4 * n * n;
}

/**
 * Standard attention with the causal mask, storing only the lower triangle of S (N(N+1)/2 scores):
 * read Q, K (2Nd); write S, read S and write P, read P (4 · N(N+1)/2); read V, write O (2Nd).
 * The baseline to set causal FlashAttention-2 against.
 */
export function standardCausalTraffic(n: number, d: number): number {
  return 4 * n * d + 2 * n * (n + 1);
}
