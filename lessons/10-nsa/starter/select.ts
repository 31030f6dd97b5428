/**
 * NSA's rules, in TypeScript: which compressed blocks a query may see, which selection blocks it
 * reads, which keys its sliding window holds, and how the gates mix the three branches. The WASM
 * backend (main.ts) builds its graphs' masks and gathers from them; nsa.wgsl does the same per query.
 * Cost per query: O(N/d) for the ranking, then n·l' + w keys and ⌊(i + 1 − l)/d⌋ + 1 compressed rows.
 */
import type { NsaConfig } from './main';

/** (a) Compressed blocks visible to the query at position i: block j covers keys jd … jd + l − 1. */
export function visibleCompressed(i: number, c: NsaConfig): number {
  // TODO (a): a compressed block is visible once ALL its l keys are at positions ≤ i; count the
  // blocks j = 0, 1, … that are. The starter sees none: the compressed branch outputs zeros.
  return 0;
}

/**
 * (b) The selection blocks of the query at position i (block b holds keys bl' … bl' + l' − 1), any
 * order, no repeats. `p[j]` is the query's compressed attention probability of compressed block j
 * (0 for the blocks it may not see).
 */
export function selectBlocks(p: ArrayLike<number>, i: number, c: NsaConfig): number[] {
  // TODO (b): always keep the initial block and the two local blocks (the query's own and the one
  // before it); rank every other block up to the query's own by its importance, the sum of p over
  // the compressed blocks that share at least one key with it, and fill the remaining places of
  // the n with the most important (equal importance: the lower block). The starter keeps every
  // block up to the query's own: full causal attention in the selected branch.
  return Array.from({ length: Math.floor(i / c.selBlock) + 1 }, (_, b) => b);
}

/** (c) The sliding window of the query at position i: keys [start, end), the last w up to i. */
export function windowKeys(i: number, w: number): [number, number] {
  // TODO (c): the w most recent keys, the query's own included (fewer at the start). The starter
  // reads every key up to i.
  return [0, i + 1];
}

/**
 * (d) The output: each row's three branch outputs (compressed, selected, window; [T, dv] each)
 * weighted by its gates g: [T, 3], summed.
 */
export function mix(
  cmp: Float32Array,
  slc: Float32Array,
  swa: Float32Array,
  g: Float32Array,
  dv: number
): Float32Array {
  // TODO (d): row r of the output is g[r, 0]·cmp + g[r, 1]·slc + g[r, 2]·swa. The starter returns
  // the selected branch alone.
  return slc.slice();
}
