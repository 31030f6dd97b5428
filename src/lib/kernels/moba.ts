// MoBA, Mixture of Block Attention (Moonshot/Kimi; syllabus §2.8): each query attends to a few
// key blocks chosen by a gate, not to every key.
//   Keys are cut into blocks of B: block b holds keys [bB, (b+1)B). For query i in block c, every
//   earlier block b < c is scored by q_i · mean(k of block b); the current block c is always
//   selected and counts toward topk; the other topk − 1 are the highest-scoring earlier blocks
//   (ties go to the lower block); later blocks never. Softmax runs over the union of the selected
//   keys, causal inside the current block.
// Cost: O(N·(N/B)·d) for the gate scores plus O(N·topk·B·(d + dv)) for the attention, against
// O(N²·(d + dv)) for full attention; the reads per query are (N/B) pooled keys + topk·B keys.
// Previous version: attention.ts (every key). Compare MoonshotAI/MoBA's moba_attn_varlen_naive.

import { tensor, type Tensor } from './tensor';
import { expectFiniteNumber, expectPositiveInteger, expectSameDim, expectShape } from './validate';

export interface MobaInputs {
  q: Tensor; // [N, d]
  k: Tensor; // [N, d]
  v: Tensor; // [N, dv]
}

export interface MobaOptions {
  /** B, keys per block. */
  blockSize: number;
  /** k, blocks per query, the current block included. */
  topk: number;
  /** Default 1/√d. */
  scale?: number;
}

/** The mean of each block's keys: [⌈N/B⌉, d]; the last block may be shorter and is averaged over what it holds. */
export function pooledKeys(k: Tensor, blockSize: number): Tensor {
  const [N, d] = k.shape;
  const blocks = Math.ceil(N / blockSize);
  const pooled = tensor([blocks, d]);
  for (let b = 0; b < blocks; b++) {
    const lo = b * blockSize;
    const hi = Math.min(N, lo + blockSize);
    for (let j = lo; j < hi; j++) {
      for (let c = 0; c < d; c++) pooled.data[b * d + c] += k.data[j * d + c];
    }
    for (let c = 0; c < d; c++) pooled.data[b * d + c] /= hi - lo;
  }
  return pooled;
}

/**
 * The blocks query i attends to, in increasing order: its own block, plus the topk − 1 earlier
 * blocks with the highest gate score q_i · pooled_b (ties to the lower block).
 */
export function mobaSelectedBlocks(q: Tensor, pooled: Tensor, i: number, blockSize: number, topk: number): number[] {
  const d = q.shape[1];
  const current = Math.floor(i / blockSize);
  const earlier: { block: number; score: number }[] = [];
  for (let b = 0; b < current; b++) {
    let score = 0;
    for (let c = 0; c < d; c++) score += q.data[i * d + c] * pooled.data[b * d + c];
    earlier.push({ block: b, score });
  }
  // Highest score first; equal scores keep the lower block first.
  earlier.sort((x, y) => y.score - x.score || x.block - y.block);
  const chosen = earlier.slice(0, topk - 1).map((e) => e.block);
  return [...chosen, current].sort((x, y) => x - y);
}

/** `options` may come untyped from the registry, so missing sizes are reported, not assumed. */
export function mobaAttention(inputs: MobaInputs, options: Partial<MobaOptions>): { o: Tensor } {
  const kernel = 'moba_attention';
  const { q, k, v } = inputs;
  expectShape(kernel, 'q', q, ['N', 'd']);
  expectShape(kernel, 'k', k, ['N', 'd']);
  expectShape(kernel, 'v', v, ['N', 'dv']);
  expectSameDim(kernel, 'q', q, 1, 'k', k, 1, 'd');
  expectSameDim(kernel, 'q', q, 0, 'k', k, 0, 'N');
  expectSameDim(kernel, 'k', k, 0, 'v', v, 0, 'N');
  if (options.blockSize === undefined) throw new Error(`${kernel}: option blockSize is required`);
  if (options.topk === undefined) throw new Error(`${kernel}: option topk is required`);
  const B = expectPositiveInteger(kernel, 'blockSize', options.blockSize);
  const topk = expectPositiveInteger(kernel, 'topk', options.topk);
  const [N, d] = q.shape;
  const dv = v.shape[1];
  const scale = expectFiniteNumber(kernel, 'scale', options.scale ?? (d > 0 ? 1 / Math.sqrt(d) : 1));

  const pooled = pooledKeys(k, B);
  const o = tensor([N, dv]);
  const scores = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const keys: number[] = [];
    for (const b of mobaSelectedBlocks(q, pooled, i, B, topk)) {
      const hi = Math.min(N, (b + 1) * B, i + 1); // causal inside the current block
      for (let j = b * B; j < hi; j++) keys.push(j);
    }
    let rowMax = -Infinity;
    for (const j of keys) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q.data[i * d + c] * k.data[j * d + c];
      scores[j] = dot * scale;
      rowMax = Math.max(rowMax, scores[j]);
    }
    let denominator = 0;
    for (const j of keys) {
      scores[j] = Math.exp(scores[j] - rowMax);
      denominator += scores[j];
    }
    for (const j of keys) {
      const weight = scores[j] / denominator;
      for (let c = 0; c < dv; c++) o.data[i * dv + c] += weight * v.data[j * dv + c];
    }
  }
  return { o };
}
