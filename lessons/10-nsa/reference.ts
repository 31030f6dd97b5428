/**
 * Float64 references for lesson 10 (NSA, Native Sparse Attention), written for this lesson (no
 * registry entry), and the exact read counts the structural check compares with.
 *
 * - `reference`: the three branches and their gates, for queries at positions N − T … N − 1 of a
 *   sequence of N keys (T = N: prefill; T = 1: one decode step). Compression is the mean over
 *   blocks of l keys taken every d keys (the paper learns an MLP φ here; fla uses the mean);
 *   a compressed block is visible once its last key is in the past; selection blocks of l' keys
 *   are ranked by the compressed attention probabilities of the compressed blocks that overlap
 *   them, block 0, the query's own block and the one before it are always kept, n blocks in all,
 *   ties to the lower block; the window holds the last w keys. O(T·(N/d + n·l' + w)·d).
 * - `flaNaive`: an independent transcription of the semantics of fla's `naive_nsa_topk`,
 *   `naive_nsa_compression` and `naive_nsa` (fla-org/flash-linear-attention, fla/ops/nsa/naive.py)
 *   for one head and a group of one, where l = d = l' (fla's setting): a cross-check of
 *   `reference` in the shape of fla's code (masked score matrices, forced blocks scored 1.0).
 * - Read counts: the KV rows one query reads (compressed + selected + window), exact.
 */

type T = { shape: readonly number[]; data: ArrayLike<number> };

/** NSA's shape: compression block l and stride d, selection block l' and count n, window w. */
export interface NsaConfig {
  /** l, keys per compressed block. */
  cmpBlock: number;
  /** d, the stride between compressed blocks (d ≤ l; d < l overlaps them). */
  stride: number;
  /** l', keys per selection block. */
  selBlock: number;
  /** n, selection blocks per query, the three forced ones included (n ≥ 3). */
  topn: number;
  /** w, keys in the sliding window, the query's own included. */
  window: number;
}

/** The paper's settings (NSA §4.1, syllabus §2.9): l = 32, d = 16, l' = 64, n = 16, w = 512. */
export const PAPER: NsaConfig = { cmpBlock: 32, stride: 16, selBlock: 64, topn: 16, window: 512 };

/** How the selection ranks its blocks: the lesson's rule, or known mistakes (for messages). */
export type Ranking = 'overlap' | 'index';

/** Compressed blocks of N keys: ⌊(N − l)/d⌋ + 1, or 0 when N < l. */
export const compressedCount = (n: number, c: NsaConfig) =>
  n < c.cmpBlock ? 0 : Math.floor((n - c.cmpBlock) / c.stride) + 1;

/** Compressed blocks visible to the query at position i: those whose last key jd + l − 1 ≤ i. */
export const visibleCompressed = (i: number, c: NsaConfig) => compressedCount(i + 1, c);

/** Mean of rows jd … jd + l − 1 of x: [compressedCount, width]. */
export function compress(x: T, c: NsaConfig): Float64Array {
  const [n, width] = x.shape;
  const blocks = compressedCount(n, c);
  const out = new Float64Array(blocks * width);
  for (let j = 0; j < blocks; j++) {
    for (let r = j * c.stride; r < j * c.stride + c.cmpBlock; r++) {
      for (let e = 0; e < width; e++) out[j * width + e] += x.data[r * width + e] / c.cmpBlock;
    }
  }
  return out;
}

/**
 * The n selection blocks of the query at position i, ascending, from its compressed attention
 * probabilities p (p[j] for the visible compressed blocks j). Block b's importance is the sum of
 * p[j] over the compressed blocks j that share a key with it ('index': p[b], a known mistake).
 */
export function selectBlocks(p: ArrayLike<number>, i: number, c: NsaConfig, ranking: Ranking = 'overlap'): number[] {
  const cur = Math.floor(i / c.selBlock);
  const forced = [...new Set([0, Math.max(0, cur - 1), cur])];
  const importance = (b: number) => {
    if (ranking === 'index') return b < p.length ? p[b] : 0;
    let s = 0;
    const hi = Math.min(p.length, Math.floor(((b + 1) * c.selBlock - 1) / c.stride) + 1);
    for (let j = Math.max(0, Math.floor((b * c.selBlock - c.cmpBlock) / c.stride)); j < hi; j++) {
      const [from, to] = [j * c.stride, j * c.stride + c.cmpBlock];
      if (from < (b + 1) * c.selBlock && to > b * c.selBlock) s += p[j];
    }
    return s;
  };
  const others = Array.from({ length: cur + 1 }, (_, b) => b).filter((b) => !forced.includes(b));
  const scores = new Map(others.map((b) => [b, importance(b)]));
  others.sort((a, b) => scores.get(b)! - scores.get(a)! || a - b);
  return [...forced, ...others.slice(0, Math.max(0, c.topn - forced.length))].sort((a, b) => a - b);
}

/** Softmax attention of one query row over the given key rows: [width] of v; zeros when empty. */
function attend(q: ArrayLike<number>, qOff: number, keys: T, vals: T, rows: number[], scale: number) {
  const [d, dv] = [keys.shape[1], vals.shape[1]];
  const out = new Float64Array(dv);
  if (rows.length === 0) return { out, p: [] as number[] };
  const s = rows.map((r) => {
    let x = 0;
    for (let e = 0; e < d; e++) x += q[qOff + e] * keys.data[r * d + e];
    return x * scale;
  });
  const mx = Math.max(...s);
  const w = s.map((x) => Math.exp(x - mx));
  const sum = w.reduce((a, b) => a + b, 0);
  const p = w.map((x) => x / sum);
  rows.forEach((r, t) => {
    for (let e = 0; e < dv; e++) out[e] += p[t] * vals.data[r * dv + e];
  });
  return { out, p };
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, x) => from + x);

export interface ReferenceOptions {
  ranking?: Ranking;
  /** Override the gates (e.g. [1, 1, 1]: the branches summed) to recognise mistakes. */
  gates?: readonly [number, number, number];
  /** Override the window (w + 1: an off-by-one) to recognise mistakes. */
  window?: number;
}

/**
 * NSA, float64: q: [T, dk] (positions N − T … N − 1), k: [N, dk], v: [N, dv], g: [T, 3] (the
 * gates of the compressed, selected and window branches) → o: [T, dv].
 */
export function reference(q: T, k: T, v: T, g: T, c: NsaConfig, opts: ReferenceOptions = {}) {
  const [t, dk] = q.shape;
  const [n, dv] = [k.shape[0], v.shape[1]];
  const scale = 1 / Math.sqrt(dk);
  const kc = { shape: [compressedCount(n, c), dk], data: compress(k, c) };
  const vc = { shape: [compressedCount(n, c), dv], data: compress(v, c) };
  const w = opts.window ?? c.window;
  const o = new Float64Array(t * dv);
  for (let r = 0; r < t; r++) {
    const i = n - t + r;
    const cmp = attend(q.data, r * dk, kc, vc, range(0, visibleCompressed(i, c)), scale);
    const blocks = selectBlocks(cmp.p, i, c, opts.ranking);
    const selKeys = blocks.flatMap((b) => range(b * c.selBlock, Math.min(i + 1, (b + 1) * c.selBlock)));
    const slc = attend(q.data, r * dk, k, v, selKeys, scale);
    const swa = attend(q.data, r * dk, k, v, range(Math.max(0, i - w + 1), i + 1), scale);
    const gate = opts.gates ?? [g.data[3 * r], g.data[3 * r + 1], g.data[3 * r + 2]];
    for (let e = 0; e < dv; e++) {
      o[r * dv + e] = gate[0] * cmp.out[e] + gate[1] * slc.out[e] + gate[2] * swa.out[e];
    }
  }
  return { shape: [t, dv], data: o };
}

/**
 * fla's naive NSA for one head (group of one), l = d = l' = `block`, prefill (T = N): the
 * compressed branch masks blocks with (c + 1)·block − 1 > t and outputs 0 where none is visible;
 * the top-k scores are the compressed softmax probabilities with the first, the current and the
 * previous block forced to 1.0; the selected branch masks keys after t; the window branch
 * (window_size > 0) attends to keys max(0, t − w + 1) … t; o = g_cmp·o_cmp + g_slc·o_slc + g_swa·o_swa.
 * Ties in topk go to the lower block here (torch.topk leaves their order unspecified).
 */
export function flaNaive(q: T, k: T, v: T, g: T, block: number, blockCounts: number, windowSize: number) {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const scale = 1 / Math.sqrt(dk);
  const tc = Math.floor(n / block);
  const pool = (x: T, width: number) =>
    Array.from({ length: tc }, (_, c) =>
      Array.from({ length: width }, (_, e) => {
        let s = 0;
        for (let r = c * block; r < (c + 1) * block; r++) s += x.data[r * width + e];
        return s / block;
      })
    );
  const [kc, vc] = [pool(k, dk), pool(v, dv)];
  const dot = (t: number, row: ArrayLike<number>) => {
    let s = 0;
    for (let e = 0; e < dk; e++) s += q.data[t * dk + e] * row[e];
    return s * scale;
  };
  const softmax = (s: number[]) => {
    const mx = Math.max(...s);
    if (mx === -Infinity) return s.map(() => 0); // nan_to_num(nan) = 0
    const e = s.map((x) => Math.exp(x - mx));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  };
  const o = new Float64Array(n * dv);
  for (let t = 0; t < n; t++) {
    const allow = (c: number) => (c + 1) * block - 1 <= t;
    const probs = softmax(kc.map((row, c) => (allow(c) ? dot(t, row) : -Infinity)));
    const oCmp = Array.from({ length: dv }, (_, e) => probs.reduce((a, p, c) => a + p * vc[c][e], 0));
    const blk = Math.floor(t / block);
    const forced = (c: number) => c === blk || c === 0 || c === blk - 1;
    const scores = probs.map((p, c) => (forced(c) ? 1 : p));
    // topk over every block (current one included, even past tc), then keep the allowed or forced.
    const all = Array.from({ length: Math.max(tc, blk + 1) }, (_, c) => c);
    const score = (c: number) => (c < tc ? scores[c] : forced(c) ? 1 : 0);
    all.sort((a, b) => score(b) - score(a) || a - b);
    const sel = all.slice(0, Math.min(blockCounts, all.length)).filter((c) => allow(c) || forced(c));
    const keys = sel.flatMap((c) => range(c * block, (c + 1) * block)).filter((j) => j <= t && j < n);
    const attendRows = (rows: number[]) => {
      const p = softmax(
        rows.map((j) =>
          dot(
            t,
            Array.from({ length: dk }, (_, e) => k.data[j * dk + e])
          )
        )
      );
      return Array.from({ length: dv }, (_, e) => p.reduce((a, x, s) => a + x * v.data[rows[s] * dv + e], 0));
    };
    const oSlc = attendRows(keys);
    const oSwa = windowSize > 0 ? attendRows(range(Math.max(0, t - windowSize + 1), t + 1)) : new Array(dv).fill(0);
    for (let e = 0; e < dv; e++) {
      o[t * dv + e] = g.data[3 * t] * oCmp[e] + g.data[3 * t + 1] * oSlc[e] + g.data[3 * t + 2] * oSwa[e];
    }
  }
  return { shape: [n, dv], data: o };
}

/** KV rows one query at position i reads: compressed blocks, selected keys (causal), window. */
export function rowsRead(i: number, c: NsaConfig) {
  const cur = Math.floor(i / c.selBlock);
  const compressed = visibleCompressed(i, c);
  const selected = (Math.min(c.topn, cur + 1) - 1) * c.selBlock + (i - cur * c.selBlock + 1);
  const window = Math.min(c.window, i + 1);
  return { compressed, selected, window, total: compressed + selected + window };
}

/** Σ over the queries at positions N − T … N − 1 of rowsRead. */
export function totalRowsRead(n: number, t: number, c: NsaConfig) {
  const sum = { compressed: 0, selected: 0, window: 0, total: 0 };
  for (let i = n - t; i < n; i++) {
    const r = rowsRead(i, c);
    sum.compressed += r.compressed;
    sum.selected += r.selected;
    sum.window += r.window;
    sum.total += r.total;
  }
  return sum;
}

/** Keys a selected branch that reads every block up to the query's own (and masks) loads at i. */
export const selectedAllRead = (i: number) => i + 1;
