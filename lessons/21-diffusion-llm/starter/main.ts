/**
 * Lesson 21: masked diffusion (LLaDA) and block diffusion (BD3-LM).
 * - `forwardProcess` and `diffusionLoss`: the training objective. Mask every token with
 *   probability p = (1 − ε)t + ε, predict the masked ones, weight each one's cross-entropy by 1/p.
 * - `numTransferTokens` and `generate`: the sampler. Start from an all-[MASK] answer; at every
 *   step run the network once, and commit the most confident predictions of the current block
 *   (LLaDA's low-confidence remasking), as many as the linear schedule says. Blocks go left to
 *   right (semi-autoregressive); with `cache`, the prompt's and finished blocks' K and V are
 *   computed once and kept, so a call computes only the current block (and, once, the block that
 *   just finished).
 * Cost: `steps` network calls, whatever the block length; without the cache each call recomputes
 * every position up to the end of the current block.
 */
import type { Tensor } from 'lab';
import type { Network } from './network';

export { createNetwork } from './network';

/** LLaDA's linear schedule: how many of `maskCount` masked tokens to commit at each of `steps` steps. */
export function numTransferTokens(maskCount: number, steps: number): number[] {
  // TODO: an equal share per step, so that every masked token is committed by the last step;
  // when maskCount does not divide evenly, follow get_num_transfer_tokens (README, step 3) on
  // which steps take the extra tokens.
  return new Array<number>(steps).fill(Math.floor(maskCount / steps));
}

/**
 * The forward (noising) process of one sequence x at time t: with p = (1 − ε)t + ε, token i is
 * masked when the uniform draw u[i] < p. (The draws are passed in, so a check can repeat them.)
 */
export function forwardProcess(
  x: readonly number[],
  t: number,
  u: readonly number[],
  maskId: number,
  eps = 1e-3
): { noisy: number[]; masked: boolean[]; pMask: number } {
  // TODO: p, which positions are masked, and the noisy sequence (maskId where masked, x elsewhere).
  void t;
  void u;
  void maskId;
  void eps;
  return { noisy: [...x], masked: x.map(() => false), pMask: 1 };
}

/** One sequence of a training batch: its clean tokens, the network's logits [l, vocab] on the noisy ones, and its mask. */
export interface Sample {
  x: readonly number[];
  logits: Tensor;
  masked: readonly boolean[];
  pMask: number;
}

/** The loss estimate of a batch: Σ over masked tokens of CE / p, divided by b·l (GUIDELINES.md). */
export function diffusionLoss(batch: readonly Sample[]): number {
  // TODO: the cross-entropy of each masked token's logits row against its clean token (use the
  // row's maximum so that exp cannot overflow), weighted as README step 2 says, summed over the
  // batch and divided by the number of tokens b·l (masked or not).
  void batch;
  return 0;
}

export interface GenerateOptions {
  /** Answer length L (a multiple of blockLength). */
  genLength: number;
  /** Block length B: L for plain masked diffusion, 1 for autoregressive decoding. */
  blockLength: number;
  /** Network calls in all, T (a multiple of the number of blocks L/B). */
  steps: number;
  /** Keep the K and V of the prompt and of finished blocks instead of recomputing them. */
  cache: boolean;
}

/** Prompt + answer, sampled by the network: the whole sequence of token ids, as LLaDA's generate returns. */
export async function generate(
  network: Network,
  prompt: readonly number[],
  options: GenerateOptions
): Promise<number[]> {
  const { genLength, blockLength, steps, cache } = options;
  const blocks = genLength / blockLength;
  if (!Number.isInteger(blocks) || steps % blocks !== 0) {
    throw new Error(`genLength must be a multiple of blockLength, and steps of genLength / blockLength`);
  }
  const P = prompt.length;
  const x = [...prompt, ...new Array<number>(genLength).fill(network.maskId)];
  const kv = network.cache(x.length, { promptLength: P, blockLength });
  // TODO: the blocks, left to right, each in steps / blocks steps with numTransferTokens's counts.
  // - Each step is ONE network.forward call, over the positions up to the end of the current block
  //   (later blocks cannot influence it: the attention is block-causal).
  // - Of the current block's masked positions, commit the `count` whose predicted token (the
  //   argmax) has the highest softmax probability; the others stay [MASK] for the next step.
  // - Without `cache`, every call starts at position 0. With it, start each call at the first
  //   position whose K and V in the cache are not final yet (README, step 4): which ones are final
  //   after a call, given that a call writes the K and V of every position it computes?
  void cache;
  void kv;
  return x;
}
