import { describe, test, expect } from 'vitest';
import { maxAbsDiff, mulberry32, randn, tensor, uniform, zeros } from '$lib/kernels/tensor';

describe('tensor helpers', () => {
  test('tensor copies its data and checks the length against the shape', () => {
    const source = [1, 2, 3, 4, 5, 6];
    const t = tensor([2, 3], source);
    source[0] = 99;
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => tensor([2, 3], [1, 2, 3])).toThrow('shape [2,3] needs 6 values but 3 were given');
    expect(() => tensor([2, -1])).toThrow('non-negative integers');
  });

  test('zeros', () => {
    const z = zeros([3, 2]);
    expect(z.data.length).toBe(6);
    expect(z.data.every((x) => x === 0)).toBe(true);
  });

  test('mulberry32 is deterministic per seed and lies in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const fromA = Array.from({ length: 1000 }, () => a());
    const fromB = Array.from({ length: 1000 }, () => b());
    const fromC = Array.from({ length: 1000 }, () => c());
    expect(fromA).toEqual(fromB);
    expect(fromA).not.toEqual(fromC);
    expect(fromA.every((x) => x >= 0 && x < 1)).toBe(true);
    // A uniform on [0, 1) has mean 1/2; the mean of 1000 draws has standard error √(1/12/1000) ≈ 0.009.
    expect(Math.abs(fromA.reduce((s, x) => s + x, 0) / 1000 - 0.5)).toBeLessThan(0.05);
  });

  test('randn has roughly zero mean and unit variance, and handles odd sizes', () => {
    const n = 20001; // odd: the last Box–Muller pair is only half used
    const x = randn([n], 7);
    let mean = 0;
    for (const value of x.data) mean += value / n;
    let variance = 0;
    for (const value of x.data) variance += (value - mean) ** 2 / n;
    // Standard errors: mean 1/√n ≈ 0.007, variance √(2/n) ≈ 0.01.
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(x.data.every((value) => Number.isFinite(value))).toBe(true);
    expect(Array.from(randn([5], 3).data)).toEqual(Array.from(randn([5], 3).data));
  });

  test('uniform respects its bounds', () => {
    const g = uniform([1000], 5, -2, 0);
    expect(g.data.every((x) => x >= -2 && x < 0)).toBe(true);
  });

  test('maxAbsDiff', () => {
    const a = tensor([3], [1, 2, 3]);
    const b = tensor([3], [1, 2.5, 2]);
    expect(maxAbsDiff(a, b)).toBe(1);
    expect(maxAbsDiff(a, a)).toBe(0);
    expect(maxAbsDiff(a, tensor([3], [1, NaN, 3]))).toBeNaN();
    expect(() => maxAbsDiff(a, tensor([1, 3], [1, 2, 3]))).toThrow('shapes [3] and [1,3] differ');
  });
});
