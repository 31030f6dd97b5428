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
  const w = spec.window;
  const r = spec.dilation ?? 1;
  const g = spec.globals ?? 0;
  const mask = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    // The window: keys i, i − r, i − 2r, …, w of them, none before key 0.
    for (let s = 0; s < w && i - s * r >= 0; s++) mask[i * n + (i - s * r)] = 1;
    // Global tokens: the first g keys, for every query that has reached them.
    for (let j = 0; j < Math.min(g, i + 1); j++) mask[i * n + j] = 1;
  }
  return mask;
}

/** Nonzeros of the causal sliding-window mask (r = 1, g = 0) over N positions, in closed form. */
export function swaNonzeros(n: number, w: number): number {
  // Rows 0 … m − 1 see 1, 2, …, m keys (the window is cut at key 0); every later row sees m.
  const m = Math.min(w, n);
  return m * n - (m * (m - 1)) / 2;
}
