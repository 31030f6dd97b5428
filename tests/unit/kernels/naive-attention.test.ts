/** The shared naive-attention baseline (ONNX path, in Node) against the float64 reference. */
import * as ort from 'onnxruntime-web';
import { expect, test } from 'vitest';
import { runKernel } from '$lib/kernels';
import { naiveAttention } from '$lib/kernels/naive-attention';
import type { Lab } from '$lib/lessons/types';
import { createLab } from '$lib/runtime/lab';
import { createEngine } from '$lib/runtime/ort/engine';

ort.env.wasm.numThreads = 1;
const engine = createEngine(ort);

test.each([1, 7, 65])('N = %i matches causal float64 attention', async (n) => {
  const lab = createLab({
    backend: 'wasm',
    device: null,
    ortRun: (model, feeds, ep) => engine.run(model, feeds, ep),
    log: () => undefined,
    emitPoint: () => undefined,
    emitPlot: () => undefined,
    sweep: { n: [], warmup: 0, repeats: 1, budgetMs: 1000 },
    wasmBudgetBytes: 1 << 30,
    now: () => performance.now(),
    fileOf: () => undefined
  }).module as unknown as Lab;
  const [q, k, v] = [1, 2, 3].map((seed) => lab.tensors.randn([n, 16], seed));
  const o = await naiveAttention(lab, q, k, v);
  const f64 = (t: typeof q) => ({ shape: [...t.shape], data: Float64Array.from(t.data) });
  const ref = runKernel('attention', { q: f64(q), k: f64(k), v: f64(v) }, { causal: true }).o;
  expect(lab.tensors.compare(o, ref).message).toMatch(/^all \d+ values within/);
});
