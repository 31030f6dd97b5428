import { describe, expect, test } from 'vitest';
import type { SweepPoint } from '$lib/bench/types';
import { datasets } from '$lib/charts/config';

function point(series: string, n: number, medianMs: number): SweepPoint {
  return { series, n, status: 'measured', medianMs, peakBytes: 4 * n };
}

describe('sweep chart datasets', () => {
  test("each measured series' legend entry carries the slope fitted to its points", () => {
    const points = [
      ...[64, 128, 256, 512].map((n) => point('banded', n, 0.001 * n)),
      ...[64, 128, 256, 512].map((n) => point('full', n, 1e-5 * n * n)),
      point('two points', 64, 1),
      point('two points', 128, 4)
    ];
    const labels = datasets({ kind: 'time', points, n: [64, 128, 256, 512] }).map((d) => d.label);
    expect(labels).toContain('banded (measured) · fitted slope 1.00');
    expect(labels).toContain('full (measured) · fitted slope 2.00');
    // Two points always fit exactly: no slope is claimed from them.
    expect(labels).toContain('two points (measured)');
  });

  test('skipped points do not enter the fit', () => {
    const points: SweepPoint[] = [
      ...[64, 128, 256].map((n) => point('s', n, 0.01 * n)),
      { series: 's', n: 512, status: 'skipped-time', reason: 'over budget' }
    ];
    const [first] = datasets({ kind: 'time', points, n: [64, 128, 256, 512] });
    expect(first.label).toBe('s (measured) · fitted slope 1.00');
    expect(first.data).toHaveLength(3);
  });
});
