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
  const base = Math.floor(maskCount / steps);
  const remainder = maskCount % steps;
  return Array.from({ length: steps }, (_, i) => base + (i < remainder ? 1 : 0));
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
  const pMask = (1 - eps) * t + eps;
  const masked = u.map((draw) => draw < pMask);
  return { noisy: x.map((token, i) => (masked[i] ? maskId : token)), masked, pMask };
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
  let total = 0;
  let tokens = 0;
  for (const { x, logits, masked, pMask } of batch) {
    const vocab = logits.shape[1];
    tokens += x.length;
    x.forEach((target, i) => {
      if (!masked[i]) return;
      const row = logits.data.subarray(i * vocab, (i + 1) * vocab);
      const top = Math.max(...row);
      let sum = 0;
      for (const z of row) sum += Math.exp(z - top);
      total += (top + Math.log(sum) - row[target]) / pMask;
    });
  }
  return total / tokens;
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

  let clean = 0; // positions 0 … clean − 1 have K and V in the cache computed from their final tokens
  for (let b = 0; b < blocks; b++) {
    const [lo, hi] = [P + b * blockLength, P + (b + 1) * blockLength];
    const masks = x.slice(lo, hi).filter((token) => token === network.maskId).length;
    const counts = numTransferTokens(masks, steps / blocks);
    for (const count of counts) {
      const start = cache ? clean : 0;
      const logits = await network.forward(x.slice(start, hi), start, kv);
      clean = lo; // everything before this block was final when this call computed it
      const vocab = logits.shape[1];
      const candidates: { at: number; token: number; confidence: number }[] = [];
      for (let at = lo; at < hi; at++) {
        if (x[at] !== network.maskId) continue;
        const row = logits.data.subarray((at - start) * vocab, (at - start + 1) * vocab);
        let best = 0;
        for (let v = 1; v < vocab; v++) if (row[v] > row[best]) best = v;
        let sum = 0;
        for (const z of row) sum += Math.exp(z - row[best]);
        candidates.push({ at, token: best, confidence: 1 / sum }); // softmax probability of the argmax
      }
      candidates.sort((a, b) => b.confidence - a.confidence);
      for (const { at, token } of candidates.slice(0, count)) x[at] = token;
    }
  }
  return x;
}
