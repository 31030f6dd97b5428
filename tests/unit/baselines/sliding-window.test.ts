/** The shared sliding-window baseline (ONNX path, in Node) against the float64 registry's windowed attention. */
import { expect, test } from 'vitest';
import { runKernel } from '$lib/kernels';
import { slidingWindowAttention } from '$lib/baselines/sliding-window';
import type { Lab } from '$lib/lessons/types';
import { nodeLab } from '../../support/run-in-node';

// N = 1, a window longer than the sequence, N past one query block of 64 and not a multiple of it, w = 1.
test.each([
  [1, 4],
  [7, 16],
  [65, 8],
  [150, 1],
  [200, 33]
])('N = %i, w = %i matches causal float64 attention with that window', async (n, w) => {
  const lab = nodeLab().module as unknown as Lab;
  const [q, k, v] = [1, 2, 3].map((seed) => lab.tensors.randn([n, 16], seed));
  const o = await slidingWindowAttention(lab, q, k, v, w);
  const f64 = (t: typeof q) => ({ shape: [...t.shape], data: Float64Array.from(t.data) });
  const ref = runKernel('attention', { q: f64(q), k: f64(k), v: f64(v) }, { causal: true, window: w }).o;
  expect(lab.tensors.compare(o, ref).message).toMatch(/^all \d+ values within/);
});

test('a window that is not a positive integer is refused', async () => {
  const lab = nodeLab().module as unknown as Lab;
  const x = lab.tensors.randn([4, 16], 1);
  await expect(slidingWindowAttention(lab, x, x, x, 0)).rejects.toThrow(/window/);
});
