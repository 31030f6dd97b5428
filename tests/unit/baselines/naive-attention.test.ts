/** The shared naive-attention baseline (ONNX path, in Node) against the float64 reference. */
import { expect, test } from 'vitest';
import { runKernel } from '$lib/kernels';
import { naiveAttention } from '$lib/baselines/naive-attention';
import type { Lab } from '$lib/lessons/types';
import { nodeLab } from '../../support/run-in-node';

test.each([1, 7, 65])('N = %i matches causal float64 attention', async (n) => {
  const lab = nodeLab().module as unknown as Lab;
  const [q, k, v] = [1, 2, 3].map((seed) => lab.tensors.randn([n, 16], seed));
  const o = await naiveAttention(lab, q, k, v);
  const f64 = (t: typeof q) => ({ shape: [...t.shape], data: Float64Array.from(t.data) });
  const ref = runKernel('attention', { q: f64(q), k: f64(k), v: f64(v) }, { causal: true }).o;
  expect(lab.tensors.compare(o, ref).message).toMatch(/^all \d+ values within/);
});
