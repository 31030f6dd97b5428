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
  const sum = new Float32Array(blocks * d);
  for (let j = 0; j < n; j++) {
    const b = Math.floor(j / blockSize);
    for (let c = 0; c < d; c++) sum[b * d + c] += k.data[j * d + c];
  }
  for (let b = 0; b < blocks; b++) {
    const size = Math.min(n, (b + 1) * blockSize) - b * blockSize;
    for (let c = 0; c < d; c++) sum[b * d + c] /= size;
  }
  return tensors.from([blocks, d], sum);
}

/**
 * The blocks one query attends to, as block indices (any order, no repeats).
 * `scores[b]` is the query's gate score q · pooled_b for every block b, later blocks included
 * (their scores are there, but a causal gate must not look at them); `current` is the query's
 * own block; `topk` counts the blocks kept, the current one included.
 */
export function selectBlocks(scores: ArrayLike<number>, current: number, topk: number): number[] {
  // Only earlier blocks compete; best score first, equal scores keep the lower block first.
  const earlier = Array.from({ length: current }, (_, b) => b);
  earlier.sort((a, b) => scores[b] - scores[a] || a - b);
  // The current block is forced: it holds the query's nearest keys and the query itself.
  return [...earlier.slice(0, topk - 1), current];
}

/** MoBA's sparsity for N keys, blocks of B and top-k: the share of the N keys that the last query never reads. */
export function sparsity(n: number, blockSize: number, topk: number): number {
  return 1 - (topk * blockSize) / n;
}
