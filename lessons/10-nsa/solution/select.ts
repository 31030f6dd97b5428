/**
 * NSA's rules, in TypeScript: which compressed blocks a query may see, which selection blocks it
 * reads, which keys its sliding window holds, and how the gates mix the three branches. The WASM
 * backend (main.ts) builds its graphs' masks and gathers from them; nsa.wgsl does the same per query.
 * Cost per query: O(N/d) for the ranking, then n·l' + w keys and ⌊(i + 1 − l)/d⌋ + 1 compressed rows.
 */
import type { NsaConfig } from './main';

/** (a) Compressed blocks visible to the query at position i: block j covers keys jd … jd + l − 1. */
export function visibleCompressed(i: number, c: NsaConfig): number {
  return i + 1 < c.cmpBlock ? 0 : Math.floor((i + 1 - c.cmpBlock) / c.stride) + 1;
}

/**
 * (b) The selection blocks of the query at position i (block b holds keys bl' … bl' + l' − 1), any
 * order, no repeats. `p[j]` is the query's compressed attention probability of compressed block j
 * (0 for the blocks it may not see).
 */
export function selectBlocks(p: ArrayLike<number>, i: number, c: NsaConfig): number[] {
  const cur = Math.floor(i / c.selBlock);
  // Always: the initial block and the two local ones (the query's own and the one before).
  const forced = [...new Set([0, Math.max(0, cur - 1), cur])];
  // A block's importance: the probabilities of the compressed blocks that share a key with it.
  const importance = (b: number) => {
    // Block j covers keys jd … jd + l − 1: it shares one with block b when jd + l > bl' and jd < (b + 1)l'.
    const lo = Math.max(0, Math.floor((b * c.selBlock - c.cmpBlock) / c.stride) + 1);
    const hi = Math.min(p.length, Math.floor(((b + 1) * c.selBlock - 1) / c.stride) + 1);
    let s = 0;
    for (let j = lo; j < hi; j++) s += p[j];
    return s;
  };
  // The other n − 3: the most important earlier blocks, equal importance to the lower block.
  const others = Array.from({ length: cur + 1 }, (_, b) => ({ b, s: importance(b) })).filter(
    (x) => !forced.includes(x.b)
  );
  others.sort((x, y) => y.s - x.s || x.b - y.b);
  return [...forced, ...others.slice(0, Math.max(0, c.topn - forced.length)).map((x) => x.b)];
}

/** (c) The sliding window of the query at position i: keys [start, end), the last w up to i. */
export function windowKeys(i: number, w: number): [number, number] {
  return [Math.max(0, i - w + 1), i + 1];
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
  const o = new Float32Array(cmp.length);
  for (let x = 0; x < o.length; x++) {
    const r = Math.floor(x / dv);
    o[x] = g[3 * r] * cmp[x] + g[3 * r + 1] * slc[x] + g[3 * r + 2] * swa[x];
  }
  return o;
}
