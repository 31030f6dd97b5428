/** The shared linear-attention baselines (WASM paths, in Node) against the float64 registry. */
import { describe, expect, test } from 'vitest';
import { runKernel, tensor } from '$lib/kernels';
import { type LinearForm, linearAttention } from '$lib/baselines/linear-attention';
import type { Lab } from '$lib/lessons/types';
import { nodeLab } from '../../support/run-in-node';

describe.each(['recurrent', 'parallel'] as LinearForm[])('%s form', (form) => {
  // N = 1, N past a workgroup of 64, and dk ≠ dv (S is dk×dv, o is [N, dv]).
  test.each([
    [1, 8, 8],
    [7, 16, 8],
    [65, 16, 32]
  ])('N = %i, dk = %i, dv = %i matches the float64 linear attention', async (n, dk, dv) => {
    const lab = nodeLab().module as unknown as Lab;
    const [q, k, v] = [lab.tensors.randn([n, dk], 1), lab.tensors.randn([n, dk], 2), lab.tensors.randn([n, dv], 3)];
    const o = await linearAttention(lab, form, q, k, v);
    const f64 = (t: typeof q) => tensor([...t.shape], t.data);
    const ref = runKernel('linear_attention', { q: f64(q), k: f64(k), v: f64(v) }, { form: 'recurrent' }).o;
    // Unnormalised sums grow with N: the absolute tolerance scales with the largest value.
    const largest = ref.data.reduce((a, x) => Math.max(a, Math.abs(x)), 1);
    expect(lab.tensors.compare(o, ref, { atol: 1e-5 * largest, rtol: 1e-4 }).message).toMatch(/^all \d+ values within/);
  });
});
