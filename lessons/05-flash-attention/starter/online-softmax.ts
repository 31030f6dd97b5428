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
  const stats: SoftmaxStats = { max: -Infinity, sum: 0 };
  for (const s of scores) {
    // TODO (a): update stats with this score, reading each score once. Invariant after every
    // step: stats.max is the largest score so far and stats.sum is Σ e^{s_i − max} over the
    // scores so far, against the CURRENT max (so no exponent is ever positive and nothing
    // overflows). When a score raises the max, the terms already in the sum were computed
    // against the old one. (On the first score max = −∞: what is e^{−∞}?) The starter ignores
    // the scores.
  }
  return stats;
}
