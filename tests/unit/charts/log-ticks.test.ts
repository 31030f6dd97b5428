import { describe, expect, test } from 'vitest';
import { formatMs } from '$lib/bench/format';
import { LABEL_PX, decadeBounds, logTicks } from '$lib/charts/log-ticks';

describe('log-axis ticks', () => {
  test('the axis widens to whole decades, so every decade has a labelled tick', () => {
    expect(decadeBounds(1.04, 1.8)).toEqual([1, 10]);
    expect(decadeBounds(0.37, 52_000)).toEqual([0.1, 100_000]);
    expect(decadeBounds(10, 10)).toEqual([10, 100]);
  });

  test('a tall axis gets 1-2-5 (or 1-2-3-5) per decade; a short one only the powers of ten', () => {
    expect(logTicks(1, 100, 2 * 3.35 * LABEL_PX)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(1, 10, 5.7 * LABEL_PX)).toEqual([1, 2, 3, 5, 10]);
    expect(logTicks(0.1, 1000, 4 * LABEL_PX)).toEqual([0.1, 1, 10, 100, 1000]);
  });

  test('labels never overlap: neighbouring ticks are at least one label apart on screen', () => {
    for (const [lo, hi] of [
      [0.01, 100_000],
      [1, 10],
      [0.1, 1000]
    ]) {
      for (const pixels of [120, 200, 260, 400, 700]) {
        const ticks = logTicks(lo, hi, pixels);
        const span = Math.log10(hi / lo);
        const y = ticks.map((v) => (Math.log10(v / lo) / span) * pixels);
        const decades = Math.round(span);
        // Each decade has a tick (and so a label)…
        for (let d = 0; d <= decades; d++) expect(ticks).toContain(Number((lo * 10 ** d).toPrecision(6)));
        // …and when there is room for one label per decade, no two labels collide.
        if (pixels / decades >= LABEL_PX) {
          for (let i = 1; i < y.length; i++) expect(y[i] - y[i - 1]).toBeGreaterThanOrEqual(LABEL_PX * 0.99);
        }
      }
    }
  });

  test('the labels of the time axis step through µs, ms and s without repeating', () => {
    const labels = logTicks(0.1, 100_000, 600).map(formatMs);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toEqual([
      '100 µs',
      '200 µs',
      '500 µs',
      '1.0 ms',
      '2.0 ms',
      '5.0 ms',
      '10 ms',
      '20 ms',
      '50 ms',
      '100 ms',
      '200 ms',
      '500 ms',
      '1.0 s',
      '2.0 s',
      '5.0 s',
      '10 s',
      '20 s',
      '50 s',
      '100 s'
    ]);
  });
});
