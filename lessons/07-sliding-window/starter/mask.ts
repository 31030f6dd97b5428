/**
 * Step 1: the static sparse patterns, as a mask, and how many scores they keep.
 *
 * A mask is N×N, row-major: mask[i·N + j] = 1 when query i may attend to key j. Every pattern here
 * is causal (j ≤ i). Building it costs N² steps, which is fine for pictures and counts at small N;
 * the kernels of step 2 never build it: they compute which keys a row sees from i and w alone.
 */
export interface MaskSpec {
  /** w: how many keys each query sees (its own position included). */
  window: number;
  /** r: the gap between those keys (1: the w most recent; 2: every other one, over 2w − 1 positions). Default 1. */
  dilation?: number;
  /** g: the first g tokens are global: every query that has reached them sees them. Default 0. */
  globals?: number;
}

/** The mask of a pattern over N positions: 1 where query i sees key j, else 0. */
export function buildMask(n: number, spec: MaskSpec): Uint8Array {
  const mask = new Uint8Array(n * n);
  // TODO (1a): set mask[i·n + j] = 1 for every key j that query i sees under `spec`: its own
  // position and the w − 1 positions before it (with dilation r: w positions r apart, i, i − r, …),
  // none before key 0 and none in its future; plus, with g global tokens, keys 0 … g − 1 for every
  // query that has reached them. Check "figure" compares the README's pictures with this.
  return mask;
}

/** Nonzeros of the causal sliding-window mask (r = 1, g = 0) over N positions, in closed form. */
export function swaNonzeros(n: number, w: number): number {
  // TODO (1b): a formula in n and w, no loop: the number of ones buildMask(n, { window: w }) has.
  // Count by rows: how many keys does row i see? Mind a window longer than the sequence.
  return 0;
}
