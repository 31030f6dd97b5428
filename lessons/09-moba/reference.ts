/**
 * Float64 references for lesson 09 (MoBA), from the kernel registry, and the exact read counts
 * the structural check compares with.
 *
 * - MoBA attention: registry `moba_attention` (block b holds keys [bB, (b+1)B); the query's own
 *   block is always selected and counts toward topk; the other topk − 1 are the earlier blocks
 *   with the highest q · mean(block keys), ties to the lower block; causal inside the current
 *   block). O(N·(N/B)·d) for the gate plus O(N·topk·B·(d + dv)) for the attention.
 * - Full causal attention (registry `attention`), to recognise a gate that keeps every block.
 * - The gate's selection for one query (registry `mobaSelectedBlocks`), for messages.
 * - Read counts: what a kernel that reads only the selected blocks (and the pooled keys of the
 *   earlier blocks) loads, per binding; and what one that reads every key and masks loads.
 */
import { mobaSelectedBlocks, pooledKeys, runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };

const toF64 = (t: T) => tensor([...t.shape], t.data);

export interface Gate {
  blockSize: number;
  topk: number;
}

export function reference(q: T, k: T, v: T, { blockSize, topk }: Gate) {
  return runKernel('moba_attention', { q: toF64(q), k: toF64(k), v: toF64(v) }, { blockSize, topk }).o;
}

/** Causal softmax attention over every key: what MoBA becomes when the gate keeps every block. */
export function fullAttention(q: T, k: T, v: T) {
  return runKernel('attention', { q: toF64(q), k: toF64(k), v: toF64(v) }, { causal: true }).o;
}

/** Mean-pooled block keys [⌈N/B⌉, d], float64 (the last block averaged over what it holds). */
export function pooled(k: T, blockSize: number) {
  return pooledKeys(toF64(k), blockSize);
}

/** The blocks query i attends to, ascending: its own, plus the topk − 1 best earlier ones. */
export function selectedBlocks(q: T, k: T, i: number, { blockSize, topk }: Gate): number[] {
  return mobaSelectedBlocks(toF64(q), pooledKeys(toF64(k), blockSize), i, blockSize, topk);
}

/**
 * Keys read by query i when only the selected blocks are read: min(topk − 1, c) full earlier
 * blocks (c = ⌊i/B⌋ of them exist) and the keys cB … i of its own block.
 */
export function keysRead(i: number, { blockSize, topk }: Gate): number {
  const c = Math.floor(i / blockSize);
  return Math.min(topk - 1, c) * blockSize + (i - c * blockSize) + 1;
}

/** Σ_i keysRead(i): about N·topk·B once N ≫ topk·B. */
export function totalKeysRead(n: number, gate: Gate): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += keysRead(i, gate);
  return total;
}

/** Σ_i ⌊i/B⌋: the pooled keys of the earlier blocks that the gate scores, about N²/(2B). */
export function totalPooledRead(n: number, blockSize: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += Math.floor(i / blockSize);
  return total;
}

/** Keys read by a kernel that reads every key j ≤ i and masks the unselected ones: N(N+1)/2. */
export const allKeysRead = (n: number) => (n * (n + 1)) / 2;

/**
 * On WASM each block of queries c goes to onnxruntime with its keys gathered, one row per query:
 * min(topk − 1, c) earlier blocks of B keys and the current block's keys (cB up to the block's
 * end), the causal part masked inside the graph. Σ_c rows_c · width_c key rows in all.
 */
export function gatheredKeyRows(n: number, { blockSize, topk }: Gate): number {
  let total = 0;
  for (let c = 0; c * blockSize < n; c++) {
    const rows = Math.min(n, (c + 1) * blockSize) - c * blockSize;
    total += rows * (Math.min(topk - 1, c) * blockSize + rows);
  }
  return total;
}

/** Key rows gathered when every block up to the current one is sent (and the unselected masked). */
export function gatheredAllRows(n: number, blockSize: number): number {
  let total = 0;
  for (let c = 0; c * blockSize < n; c++) {
    const end = Math.min(n, (c + 1) * blockSize);
    total += (end - c * blockSize) * end;
  }
  return total;
}

/** MoBA's sparsity, 1 − k·B/N (tech report §2.2), for the chart's second curve and messages. */
export const sparsityOf = (n: number, blockSize: number, topk: number) => 1 - (topk * blockSize) / n;
