/**
 * Step (a): the softmax statistics of one row of scores in ONE pass, as the scores stream by.
 *
 * softmax(s)_j = e^{s_j − max} / sum, with sum = Σ_j e^{s_j − max}. The two-pass way finds the max
 * first; here the row can be read only once, so keep a running max m and a running sum ℓ that
 * is always expressed against the current m.
 */
export interface SoftmaxStats {
  /** The largest score. */
  max: number;
  /** Σ_j e^{s_j − max}. */
  sum: number;
}

export function onlineSoftmax(scores: Iterable<number>): SoftmaxStats {
  let max = -Infinity;
  let sum = 0;
  for (const s of scores) {
    const newMax = Math.max(max, s);
    // sum holds Σ e^{s_i − max} for the scores so far; e^{max − newMax} re-bases it on newMax.
    // (On the first score max = −∞, so the factor is e^{−∞} = 0, applied to 0.)
    sum += Math.exp(s - newMax);
    max = newMax;
  }
  return { max, sum };
}
