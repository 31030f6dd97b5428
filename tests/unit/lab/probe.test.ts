/** Probes in Node (wasm backend): what the lab records while a function runs, out of the learner's reach. */
import { describe, expect, test } from 'vitest';
import { nodeLab } from '../../support/run-in-node';

describe('lab.probe', () => {
  test('records the tensors made and the graphs run during the call, and nothing outside it', async () => {
    const lab = nodeLab();
    const { tensors, onnx } = lab.module;
    tensors.zeros([2, 2]); // before the probe: not recorded
    const { result, record } = await lab.probe(async () => {
      const x = tensors.randn([4, 8], 1);
      tensors.from([3], [1, 2, 3]);
      const g = onnx.graph();
      const input = g.input('x', [4, 8]);
      const s = g.softmax(g.matmul(input, g.transpose(input)));
      g.output(s);
      const out = await onnx.run(g, { x });
      return out[s.name].shape;
    });
    tensors.zeros([5]); // after: not recorded
    expect(result).toEqual([4, 4]);
    expect(record.allocations).toEqual([
      { kind: 'tensor', label: 'randn', bytes: 128 },
      { kind: 'tensor', label: 'from', bytes: 12 }
    ]);
    expect(record.dispatches).toEqual([]);
    expect(record.graphs).toHaveLength(1);
    const run = record.graphs[0];
    expect(run.ops).toEqual(['Transpose', 'MatMul', 'Softmax']);
    expect(run.inputs).toEqual([{ name: 'x', shape: [4, 8] }]);
    expect(run.outputs).toEqual([{ name: run.values[3].name, shape: [4, 4] }]);
    expect(run.values.map((v) => v.shape)).toEqual([
      [4, 8],
      [8, 4],
      [4, 4],
      [4, 4]
    ]);
    // 32 elements sent, 16 received
    expect(run.transferred).toBe(48);
    lab.finish();
  });

  test('a graph object changed by learner code still runs and records as it was built', async () => {
    const lab = nodeLab();
    const { tensors, onnx } = lab.module;
    const g = onnx.graph();
    const x = g.input('x', [2, 3]);
    const y = g.exp(x);
    g.output(y);
    // Learner code may change what its graph object shows; the lab keeps its own state.
    const shown = g as unknown as { values: unknown[]; serialize: () => Uint8Array };
    shown.values.length = 0;
    shown.serialize = () => new Uint8Array(0);
    expect(() => ((y.shape as number[])[0] = 1)).toThrow(TypeError);
    await expect(onnx.run({ ...g }, {})).rejects.toThrow('onnx.run needs a graph made by onnx.graph()');
    const { record } = await lab.probe(() => onnx.run(g, { x: tensors.zeros([2, 3]) }));
    expect(record.graphs[0].values).toEqual([
      { name: 'x', shape: [2, 3] },
      { name: y.name, shape: [2, 3] }
    ]);
    lab.finish();
  });

  test('probes do not nest, and a failed call ends its probe', async () => {
    const lab = nodeLab();
    await expect(lab.probe(() => lab.probe(() => 1))).rejects.toThrow('probes do not nest');
    await expect(
      lab.probe(() => {
        throw new Error('boom');
      })
    ).rejects.toThrow('boom');
    const { record } = await lab.probe(() => lab.module.tensors.zeros([1]));
    expect(record.allocations).toHaveLength(1);
    lab.finish();
  });

  test('the lab is frozen: its parts cannot be replaced, and getters still work', () => {
    const lab = nodeLab();
    const m = lab.module;
    for (const part of [m, m.gpu, m.onnx, m.tensors]) expect(Object.isFrozen(part)).toBe(true);
    expect(m.gpu.available).toBe(false);
    expect(m.gpu.limits.maxBufferSize).toBe(0);
    expect(() => Object.assign(m.gpu, { dispatch: () => 0 })).toThrow(TypeError);
    expect(() => Object.assign(m.onnx, { run: () => 0 })).toThrow(TypeError);
    expect(() => Object.assign(m, { tensors: {} })).toThrow(TypeError);
  });
});
