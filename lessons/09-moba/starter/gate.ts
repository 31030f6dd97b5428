/**
 * MoBA's gate, in TypeScript (the WASM backend uses it as is; moba.wgsl does the same per query).
 *
 * Keys are cut into blocks of B: block b holds keys [bB, (b+1)B). A query i in block c = ⌊i/B⌋
 * scores each EARLIER block b < c by q_i · mean(keys of block b), keeps the topk − 1 best of
 * them, and always keeps its own block c (causal inside it). Later blocks are never kept.
 * Cost per query: c ≤ N/B dot products for the gate, then topk·B keys for attention.
 */
import { tensors, type Tensor } from 'lab';

/**
 * The mean of each block's keys: [⌈N/B⌉, d] for k: [N, d]. The last block may be shorter than B
 * when B does not divide N: average it over the keys it holds.
 */
export function poolKeys(k: Tensor, blockSize: number): Tensor {
  const [n, d] = k.shape;
  const blocks = Math.ceil(n / blockSize);
  // TODO (a): row b of the result is the mean of key rows bB … min((b+1)B, N) − 1.
  // The starter returns zeros: every block then scores 0.
  return tensors.zeros([blocks, d]);
}

/**
 * The blocks one query attends to, as block indices (any order, no repeats).
 * `scores[b]` is the query's gate score q · pooled_b for every block b, later blocks included
 * (their scores are there, but a causal gate must not look at them); `current` is the query's
 * own block; `topk` counts the blocks kept, the current one included.
 */
export function selectBlocks(scores: ArrayLike<number>, current: number, topk: number): number[] {
  // TODO (b): keep the current block always; add the topk − 1 earlier blocks (b < current) with
  // the highest scores, and on equal scores the lower block. Fewer earlier blocks than topk − 1:
  // keep them all. The starter keeps every block up to the current one: full causal attention.
  return Array.from({ length: current + 1 }, (_, b) => b);
}

/** MoBA's sparsity for N keys, blocks of B and top-k: the share of the N keys that the last query never reads. */
export function sparsity(n: number, blockSize: number, topk: number): number {
  // TODO (c): each query reads about k·B keys out of N: what fraction is skipped?
  return 0;
}
