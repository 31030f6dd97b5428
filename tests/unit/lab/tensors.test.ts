import { describe, expect, test } from 'vitest';
import { compare, from, randn, zeros } from '$lib/runtime/lab/tensors';
import { nodeLab } from '../../support/run-in-node';

describe('tensors', () => {
  test('randn is seeded and roughly standard normal', () => {
    const a = randn([10000], 3);
    expect(randn([10000], 3).data).toEqual(a.data);
    expect(randn([10000], 4).data).not.toEqual(a.data);
    const mean = a.data.reduce((s, x) => s + x, 0) / a.data.length;
    const variance = a.data.reduce((s, x) => s + (x - mean) ** 2, 0) / a.data.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  test('from checks the length against the shape', () => {
    expect(() => from([2, 3], [1, 2, 3])).toThrow('shape [2, 3] holds 6 values, but 3 were given');
  });

  test('compare locates the first mismatch by row and column', () => {
    const expected = from([2, 3], [0, 1, 2, 3, 4, 5]);
    const actual = from([2, 3], [0, 1, 2, 3, 4.5, 5]);
    const c = compare(actual, expected);
    expect(c.ok).toBe(false);
    expect(c.firstMismatch).toBe(4);
    expect(c.message).toMatch(/^row 1, column 1 differs: got 4\.5, expected 4/);
    expect(c.maxAbsError).toBeCloseTo(0.5, 6);
  });

  test('compare reports a shape mismatch in the learner’s terms', () => {
    const c = compare(zeros([3, 2]), { shape: [2, 3], data: new Float64Array(6) });
    expect(c.ok).toBe(false);
    expect(c.message).toBe('expected shape [2, 3], got [3, 2]');
  });

  test('NaN never passes, and values within tolerance do', () => {
    expect(compare(from([1], [NaN]), from([1], [0])).ok).toBe(false);
    expect(compare(from([2], [1 + 5e-6, 1000.05]), from([2], [1, 1000])).ok).toBe(true);
  });
});

describe('tracked CPU tensors', () => {
  test('tensors made through the lab count toward measured memory until freed or the call ends', async () => {
    const lab = nodeLab();
    const t = lab.module.tensors.zeros([4, 4]);
    expect(lab.tracker.current).toBe(64);
    lab.module.tensors.free(t);
    expect(lab.tracker.current).toBe(0);
    const points = await lab.module.sweep({
      n: [8, 16],
      setup: (n) => n,
      run: (n) => void lab.module.tensors.zeros([n, n])
    });
    // Each repeat's N×N floats are its peak, and they are released after it.
    expect(points.map((p) => p.peakBytes)).toEqual([4 * 64, 4 * 256]);
    expect(lab.tracker.current).toBe(0);
  });
});
