import { describe, expect, test } from 'vitest';
import { logLogSlope, median, quantile, summarize } from '$lib/bench/stats';
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
});
