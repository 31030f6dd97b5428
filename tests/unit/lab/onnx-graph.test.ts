/** The graph builder's shapes and its serialisation, run by the real onnxruntime-web in Node. */
import * as ort from 'onnxruntime-web';
import { describe, expect, test } from 'vitest';
import { createGraph, graphBytes } from '$lib/runtime/lab/onnx-graph';
import { createEngine } from '$lib/runtime/ort/engine';

ort.env.wasm.numThreads = 1;
const engine = createEngine(ort);

describe('onnx graph builder', () => {
  test('infers shapes and reports a mismatch where it was written', () => {
    const g = createGraph();
    const a = g.input('a', [8, 16]);
    expect(g.matmul(a, g.transpose(a)).shape).toEqual([8, 8]);
    expect(() => g.matmul(a, a)).toThrow('matmul: [8, 16] × [8, 16]: inner dimensions 16 and 8 differ');
    expect(() => g.add(a, g.input('b', [3, 16]))).toThrow(/do not broadcast/);
  });

  test('a graph with every op runs in onnxruntime and matches a hand computation', async () => {
    const g = createGraph();
    const x = g.input('x', [2, 3]);
    const two = g.constant(2);
    const scaled = g.mul(x, two); // 2x
    const rows = g.reshape(g.range(2), [2, 1]);
    const cols = g.reshape(g.range(3), [1, 3]);
    const masked = g.where(g.less(rows, cols), g.constant(-1e9), scaled); // keep j ≤ i
    const p = g.softmax(masked);
    const s = g.reduceSum(g.exp(g.sub(masked, g.reduceMax(masked, 1))), 1);
    const y = g.div(g.add(p, g.constant(0)), g.constant(1));
    g.output(y);
    g.output(s);
    const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const { outputs } = await engine.run(g.serialize(), { x: { shape: [2, 3], data } }, 'wasm');
    // Row 0 sees only column 0: softmax = [1, 0, 0]. Row 1 sees columns 0..1 of 2x = [8, 10].
    const e = Math.exp(8 - 10);
    const expected = [1, 0, 0, e / (1 + e), 1 / (1 + e), 0];
    Array.from(outputs[y.name].data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    expect(outputs[y.name].shape).toEqual([2, 3]);
    // Σ exp(s − max) over the visible entries: row 0 → 1, row 1 → 1 + e^(8−10).
    expect(outputs[s.name].data[0]).toBeCloseTo(1, 6);
    expect(outputs[s.name].data[1]).toBeCloseTo(1 + e, 6);
  });

  test('graph bytes add up every tensor by its shape', () => {
    const g = createGraph();
    const x = g.input('x', [4, 4]); // 64 B
    g.output(g.exp(x)); // 64 B
    expect(graphBytes(g)).toBe(128);
  });

  test('a graph without outputs says so', () => {
    const g = createGraph();
    g.input('x', [1]);
    expect(() => g.serialize()).toThrow('the graph has no outputs');
  });
});
