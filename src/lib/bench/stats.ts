/**
 * Summary statistics for timing samples. Medians and quartiles rather than means: on a shared
 * machine one slow repeat (a GC pause, another process) should not move the reported number.
 */

/** The q-quantile (0 ≤ q ≤ 1) of the samples, by linear interpolation between order statistics. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error('quantile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

export interface Summary {
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    median: median(samples),
    p25: quantile(samples, 0.25),
    p75: quantile(samples, 0.75),
    min: Math.min(...samples),
    max: Math.max(...samples)
  };
}

/**
 * Slope of log(y) against log(x) between two points: the exponent k in y ∝ x^k.
 * Used to predict how long the next sweep point will take.
 */
export function logLogSlope(x0: number, y0: number, x1: number, y1: number): number {
  if (x0 <= 0 || x1 <= 0 || y0 <= 0 || y1 <= 0 || x0 === x1) return 1;
  return Math.log(y1 / y0) / Math.log(x1 / x0);
}

/**
 * The least-squares slope of log y against log x over all the points: the exponent k of the
 * best fit y ∝ x^k, which is how a time chart's growth is read (1 for O(N), 2 for O(N²)). Fitted
 * to every measured point rather than drawn through one, so one noisy point moves it only a
 * little. Undefined below three points or when every x is the same (two points always "fit").
 */
export function fittedLogLogSlope(points: readonly { x: number; y: number }[]): number | undefined {
  const usable = points.filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y));
  if (usable.length < 3) return undefined;
  const xs = usable.map((p) => Math.log(p.x));
  const ys = usable.map((p) => Math.log(p.y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  return sxx > 0 ? sxy / sxx : undefined;
}
