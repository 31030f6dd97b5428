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
    // TODO: sum holds Σ e^{s_i − max} for the scores so far, against the OLD max. When newMax is
    // larger, every one of those terms is too big by e^{newMax − max}: re-base sum on newMax
    // before adding this score's term. (On the first score max = −∞: what is e^{−∞}?)
    sum += Math.exp(s - newMax);
    max = newMax;
  }
  return { max, sum };
}
