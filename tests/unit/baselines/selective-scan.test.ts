/** The shared selective-scan baseline (WASM path, in Node) against the float64 registry. */
import { expect, test } from 'vitest';
import { runKernel, tensor } from '$lib/kernels';
import { selectiveScan } from '$lib/baselines/selective-scan';
import type { Lab } from '$lib/lessons/types';
import { nodeLab } from '../../support/run-in-node';

// N = 1, N past a workgroup of 64, N_s = 16 (the kernel's limit), with and without the skip D.
test.each([
  [1, 3, 4, true],
  [7, 2, 1, false],
  [65, 5, 16, true],
  [200, 8, 4, false]
])('N = %i, D = %i, N_s = %i (skip %s) matches the float64 selective scan', async (n, d, ns, withSkip) => {
  const lab = nodeLab().module as unknown as Lab;
  const { tensors } = lab;
  const u = tensors.randn([n, d], 1);
  // Δ > 0 and A < 0, as in Mamba: Δ = softplus(z) / 2, A_{c,s} = −(s + 1).
  const delta = tensors.from(
    [n, d],
    Array.from(tensors.randn([n, d], 2).data, (z) => Math.log1p(Math.exp(z)) / 2)
  );
  const A = tensors.from(
    [d, ns],
    Array.from({ length: d * ns }, (_, i) => -((i % ns) + 1))
  );
  const [B, C] = [tensors.randn([n, ns], 3), tensors.randn([n, ns], 4)];
  const D = withSkip ? tensors.randn([d], 5) : undefined;
  const y = await selectiveScan(lab, { u, delta, A, B, C, D });
  const f64 = (t: typeof u) => tensor([...t.shape], t.data);
  const ref = runKernel('selective_scan', {
    u: f64(u),
    delta: f64(delta),
    A: f64(A),
    B: f64(B),
    C: f64(C),
    ...(D ? { D: f64(D) } : {})
  }).y;
  expect(y.shape).toEqual([n, d]);
  expect(lab.tensors.compare(y, ref, { atol: 1e-5, rtol: 1e-4 }).message).toMatch(/^all \d+ values within/);
});
