import { describe, test, expect } from 'vitest';
import {
  attention,
  deltaRule,
  flashAttention,
  gatedDeltaRule,
  gatedLinearAttention,
  gqaAttention,
  kernels,
  linearAttention,
  mobaAttention,
  moeGates,
  runKernel,
  selectiveScan,
  type Tensor
} from '$lib/kernels';
import { maxAbsDiff, randn, tensor, uniform } from '$lib/kernels/tensor';
import { l2NormaliseRows } from './helpers';

const NAMES = [
  'attention',
  'gqa_attention',
  'flash_attention',
  'moba_attention',
  'linear_attention',
  'gated_linear_attention',
  'delta_rule',
  'gated_delta_rule',
  'selective_scan',
  'moe_gates'
];

const T = 5;
const qkv = { q: randn([T, 3], 1), k: randn([T, 3], 2), v: randn([T, 2], 3) };

const gqaInputs = { q: randn([4, T, 3], 4), k: randn([2, T, 3], 5), v: randn([2, T, 2], 6) };
const gatedInputs = { ...qkv, g: uniform([T], 7, -1, 0) };
const deltaInputs = { ...qkv, k: l2NormaliseRows(qkv.k), beta: uniform([T], 8) };
const gatedDeltaInputs = { ...deltaInputs, g: uniform([T], 15, -1, 0) };
const scanInputs = {
  u: randn([T, 2], 9),
  delta: uniform([T, 2], 10),
  A: uniform([2, 3], 11, -1, 0),
  B: randn([T, 3], 12),
  C: randn([T, 3], 13),
  D: randn([2], 14)
};
const moeInputs = { logits: randn([T, 4], 16) };

/** A small valid input set per kernel, with options, and what the direct function call returns for it. */
const cases: Record<
  string,
  { inputs: Record<string, Tensor>; options: Record<string, unknown>; expected: () => Tensor }
> = {
  attention: { inputs: qkv, options: { window: 2 }, expected: () => attention(qkv, { window: 2 }).o },
  gqa_attention: {
    inputs: gqaInputs,
    options: { causal: false },
    expected: () => gqaAttention(gqaInputs, { causal: false }).o
  },
  flash_attention: {
    inputs: qkv,
    options: { blockSize: 2, scale: 0.5 },
    expected: () => flashAttention(qkv, { blockSize: 2, scale: 0.5 }).o
  },
  moba_attention: {
    inputs: qkv,
    options: { blockSize: 2, topk: 2 },
    expected: () => mobaAttention(qkv, { blockSize: 2, topk: 2 }).o
  },
  linear_attention: {
    inputs: qkv,
    options: { form: 'chunk', chunkSize: 2 },
    expected: () => linearAttention(qkv, { form: 'chunk', chunkSize: 2 }).o
  },
  gated_linear_attention: {
    inputs: gatedInputs,
    options: { form: 'parallel' },
    expected: () => gatedLinearAttention(gatedInputs, { form: 'parallel' }).o
  },
  delta_rule: {
    inputs: deltaInputs,
    options: { form: 'chunk', chunkSize: 2, scale: 2 },
    expected: () => deltaRule(deltaInputs, { form: 'chunk', chunkSize: 2, scale: 2 }).o
  },
  gated_delta_rule: {
    inputs: gatedDeltaInputs,
    options: { scale: 2 },
    expected: () => gatedDeltaRule(gatedDeltaInputs, { scale: 2 }).o
  },
  selective_scan: {
    inputs: scanInputs,
    options: { form: 'parallel' },
    expected: () => selectiveScan(scanInputs, { form: 'parallel' }).y
  },
  moe_gates: {
    inputs: moeInputs,
    options: { k: 2, capacity: 3 },
    expected: () => moeGates(moeInputs, { k: 2, capacity: 3 }).gates
  }
};

describe('kernel registry', () => {
  test('has exactly the named entries', () => {
    expect(Object.keys(kernels).sort()).toEqual([...NAMES].sort());
  });

  for (const name of NAMES) {
    test(`${name}: entry is complete and runKernel matches the direct call`, () => {
      const entry = kernels[name];
      expect(entry.name).toBe(name);
      expect(entry.description.length).toBeGreaterThan(10);
      const { inputs, options, expected } = cases[name];
      for (const input of entry.inputs) expect(inputs[input]).toBeDefined();
      const out = runKernel(name, inputs, options);
      expect(Object.keys(out)).toEqual(entry.outputs);
      expect(maxAbsDiff(out[entry.outputs[0]], expected())).toBe(0);
    });
  }

  test('selective_scan: D is optional', () => {
    const { D, ...withoutD } = cases.selective_scan.inputs;
    expect(D).toBeDefined();
    expect(kernels.selective_scan.optionalInputs).toEqual(['D']);
    expect(runKernel('selective_scan', withoutD).y.shape).toEqual([T, 2]);
  });
});

describe('runKernel validation', () => {
  test('mismatched last dimensions name both tensors and the dimension', () => {
    expect(() => runKernel('attention', { q: randn([4, 8], 1), k: randn([4, 6], 2), v: randn([4, 6], 3) })).toThrow(
      'attention: q has shape [4,8] but k has shape [4,6]; their last dimensions (d) must match'
    );
  });

  test('mismatched sequence lengths', () => {
    expect(() =>
      runKernel('linear_attention', { q: randn([4, 2], 1), k: randn([5, 2], 2), v: randn([4, 2], 3) })
    ).toThrow('linear_attention: q has shape [4,2] but k has shape [5,2]; their first dimensions (T) must match');
    expect(() =>
      runKernel('delta_rule', { q: randn([4, 2], 1), k: randn([4, 2], 2), v: randn([4, 2], 3), beta: randn([3], 4) })
    ).toThrow(
      "delta_rule: q has shape [4,2] but beta has shape [3]; q's first dimension and beta's last dimension (T) must match"
    );
  });

  test('wrong rank names the tensor and the expected shape', () => {
    expect(() =>
      runKernel('gqa_attention', { q: randn([4, 8], 1), k: randn([1, 4, 8], 2), v: randn([1, 4, 8], 3) })
    ).toThrow('gqa_attention: q must have shape [Hq,T,d] (rank 3) but has shape [4,8]');
    expect(() =>
      runKernel('selective_scan', {
        u: randn([3, 2], 1),
        delta: randn([3, 2], 2),
        A: randn([2, 4], 3),
        B: randn([3, 5], 4),
        C: randn([3, 4], 5)
      })
    ).toThrow('selective_scan: A has shape [2,4] but B has shape [3,5]; their last dimensions (N) must match');
  });

  test('data length must agree with the shape', () => {
    const bad: Tensor = { shape: [4, 3], data: new Float64Array(10) };
    expect(() => runKernel('attention', { ...qkv, q: bad })).toThrow(
      'attention: q has shape [4,3], which needs 12 values, but its data holds 10'
    );
    const notATensor = { shape: [5, 3], data: [1, 2, 3] } as unknown as Tensor;
    expect(() => runKernel('attention', { ...qkv, k: notATensor })).toThrow('attention: k must be a tensor');
  });

  test('missing and unexpected inputs are named', () => {
    expect(() => runKernel('gated_linear_attention', qkv)).toThrow(
      "gated_linear_attention: missing input 'g'; expected q, k, v, g"
    );
    expect(() => runKernel('attention', { ...qkv, g: tensor([T]) })).toThrow("attention: unexpected input 'g'");
  });

  test('unknown kernel', () => {
    expect(() => runKernel('softmax', qkv)).toThrow("runKernel: unknown kernel 'softmax'");
    expect(() => runKernel('toString', qkv)).toThrow("unknown kernel 'toString'");
  });

  test('option types are checked loosely', () => {
    expect(() => runKernel('attention', qkv, { causal: 'yes' })).toThrow(
      'attention: option causal must be a boolean but is string'
    );
    expect(() => runKernel('attention', qkv, { scale: '0.5' })).toThrow(
      'attention: option scale must be a number but is string'
    );
    expect(() => runKernel('linear_attention', qkv, { form: 'quadratic' })).toThrow(
      "linear_attention: option form must be one of 'recurrent', 'parallel', 'chunk' but is 'quadratic'"
    );
    expect(() => runKernel('delta_rule', { ...qkv, beta: tensor([T]) }, { form: 'parallel' })).toThrow(
      "option form must be one of 'recurrent', 'chunk'"
    );
    expect(() => runKernel('linear_attention', qkv, { chunksize: 4 })).toThrow(
      "linear_attention: unknown option 'chunksize'"
    );
    expect(() => runKernel('flash_attention', qkv, { blockSize: -1 })).toThrow(
      'flash_attention: option blockSize must be a positive integer but is -1'
    );
    expect(() => runKernel('attention', qkv, { scale: NaN })).toThrow(
      'attention: option scale must be a finite number but is NaN'
    );
    expect(() => runKernel('gqa_attention', cases.gqa_attention.inputs, { causal: false, window: 2 })).toThrow(
      'gqa_attention: option window needs causal: true'
    );
  });
});

describe('typed signatures', () => {
  test('a known name types its inputs, options and outputs', () => {
    const q = randn([4, 2], 1);
    const { o } = runKernel('attention', { q, k: randn([4, 2], 2), v: randn([4, 2], 3) }, { causal: true });
    expect(o.shape).toEqual([4, 2]);
    const u = randn([3, 2], 4);
    const { y } = runKernel(
      'selective_scan',
      { u, delta: randn([3, 2], 5), A: randn([2, 1], 6), B: randn([3, 1], 7), C: randn([3, 1], 8) },
      { form: 'parallel' }
    );
    expect(y.shape).toEqual([3, 2]);
    // Untyped callers (a name from a variable, options from a form) are validated at run time.
    const name: string = 'attention';
    expect(() => runKernel(name, { q, k: q, v: q }, { causl: true })).toThrow(/causl/);
  });
});
