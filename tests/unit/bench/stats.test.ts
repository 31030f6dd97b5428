import { describe, expect, test } from 'vitest';
import { fittedLogLogSlope, logLogSlope, median, quantile, summarize } from '$lib/bench/stats';
import { formatBytes, formatMs, formatN } from '$lib/bench/format';

describe('statistics', () => {
  test('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5); // (2 + 3) / 2
  });
  test('quartiles interpolate between order statistics', () => {
    // sorted 1..5: position (5−1)·0.25 = 1 → value 2
    expect(quantile([5, 4, 3, 2, 1], 0.25)).toBe(2);
    expect(quantile([1, 2], 0.75)).toBe(1.75);
  });
  test('one slow outlier does not move the median', () => {
    const s = summarize([10, 10, 10, 10, 1000]);
    expect(s.median).toBe(10);
    expect(s.max).toBe(1000);
  });
  test('log-log slope recovers the exponent of a power law', () => {
    expect(logLogSlope(1000, 1000 ** 2, 4000, 4000 ** 2)).toBeCloseTo(2, 12);
    expect(logLogSlope(10, 5, 20, 10)).toBeCloseTo(1, 12);
  });
  test('no samples is an error, not NaN', () => {
    expect(() => median([])).toThrow();
  });
});

describe('formatting', () => {
  test('bytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(128 * 1024 * 1024)).toBe('128 MiB');
    expect(formatBytes(1.5 * 1024)).toBe('1.50 KiB');
  });
  test('durations', () => {
    expect(formatMs(0.25)).toBe('250 µs');
    expect(formatMs(12.3)).toBe('12 ms');
    expect(formatMs(2500)).toBe('2.5 s');
  });
  test('sequence lengths', () => {
    expect(formatN(65536)).toBe('64K');
    expect(formatN(1 << 20)).toBe('1M');
    expect(formatN(1000)).toBe('1000');
  });

  test('the fitted slope recovers the exponent of a power law over many points', () => {
    const quadratic = [64, 128, 256, 512, 1024].map((n) => ({ x: n, y: 3e-6 * n * n }));
    expect(fittedLogLogSlope(quadratic)).toBeCloseTo(2, 12);
    const linear = [64, 128, 256, 512].map((n) => ({ x: n, y: 0.01 * n + 0 }));
    expect(fittedLogLogSlope(linear)).toBeCloseTo(1, 12);
  });
  test('the fitted slope is the least-squares fit: one noisy point moves it, but not to that point', () => {
    // y = n except the last point, 4× too slow. Through the last two points alone the slope is 3;
    // the fit over all four is pulled up much less.
    const pts = [
      { x: 1, y: 1 },
      { x: 2, y: 2 },
      { x: 4, y: 4 },
      { x: 8, y: 32 }
    ];
    const slope = fittedLogLogSlope(pts)!;
    expect(slope).toBeGreaterThan(1.5);
    expect(slope).toBeLessThan(2);
    // By hand: log2 x = 0, 1, 2, 3 (mean 1.5), log2 y = 0, 1, 2, 5 (mean 2); Σ dx·dy = 8, Σ dx² = 5.
    expect(slope).toBeCloseTo(8 / 5, 12);
  });
  test('no slope from fewer than three usable points or a single N', () => {
    expect(
      fittedLogLogSlope([
        { x: 1, y: 1 },
        { x: 2, y: 4 }
      ])
    ).toBeUndefined();
    expect(
      fittedLogLogSlope([
        { x: 4, y: 1 },
        { x: 4, y: 2 },
        { x: 4, y: 3 }
      ])
    ).toBeUndefined();
    expect(
      fittedLogLogSlope([
        { x: 1, y: 1 },
        { x: 2, y: 0 },
        { x: 4, y: NaN },
        { x: 8, y: 8 }
      ])
    ).toBeUndefined();
  });
});
