// The vector gate of gated_linear_attention (g of shape [T, dk]) and gated_delta_rule, against
// definitions written out independently here (products of decays, explicit matrices), and the
// identities: recurrent = parallel = chunk; equal channels = the scalar gate; g = 0 = the ungated kernel.
import { describe, expect, test } from 'vitest';
import { runKernel } from '$lib/kernels';
import { maxAbsDiff, tensor, uniform, type Tensor } from '$lib/kernels/tensor';
import { l2NormaliseRows, randomLogDecay, randomQkv } from './helpers';

const FORMS = ['recurrent', 'parallel', 'chunk'] as const;

/** o_t = Σ_{s≤t} Σ_i q_t[i] k_s[i] (Π_{r=s+1..t} e^{g_r[i]}) v_s, straight from the definition. */
function vectorGlaByProducts(q: Tensor, k: Tensor, v: Tensor, g: Tensor, scale = 1): Tensor {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  const o = tensor([T, dv]);
  for (let t = 0; t < T; t++) {
    for (let s = 0; s <= t; s++) {
      let w = 0;
      for (let i = 0; i < dk; i++) {
        let decay = 1;
        for (let r = s + 1; r <= t; r++) decay *= Math.exp(g.data[r * dk + i]);
        w += q.data[t * dk + i] * k.data[s * dk + i] * decay;
      }
      for (let j = 0; j < dv; j++) o.data[t * dv + j] += scale * w * v.data[s * dv + j];
    }
  }
  return o;
}

/** S_t = α_t (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t v_tᵀ with the matrices built explicitly. */
function gatedDeltaByMatrices(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, g: Tensor, scale = 1): Tensor {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  let S = Array.from({ length: dk }, () => new Array<number>(dv).fill(0));
  const o = tensor([T, dv]);
  for (let t = 0; t < T; t++) {
    const kt = Array.from({ length: dk }, (_, i) => k.data[t * dk + i]);
    const a = Math.exp(g.data[t]);
    const b = beta.data[t];
    const M = kt.map((ki, r) => kt.map((kj, c) => (r === c ? 1 : 0) - b * ki * kj)); // I − β k kᵀ
    S = M.map((Mr, r) =>
      Array.from(
        { length: dv },
        (_, j) => a * Mr.reduce((acc, x, c) => acc + x * S[c][j], 0) + b * kt[r] * v.data[t * dv + j]
      )
    );
    for (let j = 0; j < dv; j++) {
      o.data[t * dv + j] = scale * S.reduce((acc, Sr, i) => acc + Sr[j] * q.data[t * dk + i], 0);
    }
  }
  return o;
}

describe('gated_linear_attention with a vector gate g [T, dk]', () => {
  const cases = [
    { T: 1, dk: 3, dv: 2, C: 4, seed: 1 },
    { T: 7, dk: 4, dv: 3, C: 3, seed: 2 },
    { T: 33, dk: 8, dv: 5, C: 16, seed: 3 }
  ];
  for (const { T, dk, dv, C, seed } of cases) {
    test(`every form equals the product definition, T=${T} dk=${dk} dv=${dv} C=${C}`, () => {
      const { q, k, v } = randomQkv(T, dk, dv, seed);
      const g = uniform([T, dk], seed + 7, -1.5, 0);
      const want = vectorGlaByProducts(q, k, v, g, 0.5);
      for (const form of FORMS) {
        const { o } = runKernel('gated_linear_attention', { q, k, v, g }, { form, chunkSize: C, scale: 0.5 });
        expect(maxAbsDiff(o, want), form).toBeLessThan(1e-10);
      }
    });
  }

  test('equal channels give the scalar gate; g = 0 gives linear attention', () => {
    const [T, dk, dv] = [19, 4, 3];
    const { q, k, v } = randomQkv(T, dk, dv, 5);
    const scalar = randomLogDecay(T, 6);
    const spread = tensor(
      [T, dk],
      Array.from({ length: T * dk }, (_, x) => scalar.data[Math.floor(x / dk)])
    );
    for (const form of FORMS) {
      const a = runKernel('gated_linear_attention', { q, k, v, g: scalar }, { form, chunkSize: 8 }).o;
      const b = runKernel('gated_linear_attention', { q, k, v, g: spread }, { form, chunkSize: 8 }).o;
      expect(maxAbsDiff(a, b), form).toBeLessThan(1e-12);
      const zero = runKernel('gated_linear_attention', { q, k, v, g: tensor([T, dk]) }, { form, chunkSize: 8 }).o;
      expect(maxAbsDiff(zero, runKernel('linear_attention', { q, k, v }, { form }).o), form).toBeLessThan(1e-10);
    }
  });

  test('one channel decays, the others do not: only that channel forgets', () => {
    // dk = 2 with orthogonal keys: channel 0 holds v from token 0 and decays by e^{-1} per step;
    // channel 1 holds nothing. Query e0 at token 2 reads e^{-2} · v_0.
    const q = tensor([3, 2], [0, 0, 0, 0, 1, 0]);
    const k = tensor([3, 2], [1, 0, 0, 0, 0, 0]);
    const v = tensor([3, 1], [1, 0, 0]);
    const g = tensor([3, 2], [0, 0, -1, 0, -1, 0]);
    for (const form of FORMS) {
      const { o } = runKernel('gated_linear_attention', { q, k, v, g }, { form });
      expect(o.data[2], form).toBeCloseTo(Math.exp(-2), 12);
    }
  });

  test('a gate of the wrong width, or a positive entry, is refused with its place named', () => {
    const { q, k, v } = randomQkv(4, 3, 2, 9);
    expect(() => runKernel('gated_linear_attention', { q, k, v, g: tensor([4, 2]) })).toThrow(/dk/);
    const g = tensor([4, 3]);
    g.data[7] = 0.5;
    expect(() => runKernel('gated_linear_attention', { q, k, v, g })).toThrow('g[2, 1] = 0.5');
  });
});

describe('gated_delta_rule', () => {
  for (const { T, dk, dv, seed } of [
    { T: 1, dk: 3, dv: 2, seed: 11 },
    { T: 9, dk: 4, dv: 4, seed: 12 },
    { T: 40, dk: 8, dv: 3, seed: 13 }
  ]) {
    test(`equals the explicit-matrix recurrence, T=${T} dk=${dk} dv=${dv}`, () => {
      const { q, k: raw, v } = randomQkv(T, dk, dv, seed);
      const k = l2NormaliseRows(raw);
      const beta = uniform([T], seed + 1, 0.05, 0.95);
      const g = randomLogDecay(T, seed + 2);
      const { o } = runKernel('gated_delta_rule', { q, k, v, beta, g }, { scale: 0.7 });
      expect(maxAbsDiff(o, gatedDeltaByMatrices(q, k, v, beta, g, 0.7))).toBeLessThan(1e-10);
    });
  }

  test('g = 0 is the delta rule; β = 0 only decays, so the output is zero', () => {
    const [T, dk, dv] = [25, 6, 4];
    const { q, k: raw, v } = randomQkv(T, dk, dv, 21);
    const k = l2NormaliseRows(raw);
    const beta = uniform([T], 22, 0.05, 0.95);
    const plain = runKernel('delta_rule', { q, k, v, beta }).o;
    const gated = runKernel('gated_delta_rule', { q, k, v, beta, g: tensor([T]) }).o;
    expect(maxAbsDiff(plain, gated)).toBeLessThan(1e-12);
    const silent = runKernel('gated_delta_rule', { q, k, v, beta: tensor([T]), g: randomLogDecay(T, 23) }).o;
    expect(maxAbsDiff(silent, tensor([T, dv]))).toBe(0);
  });

  test('a strong gate forgets: after g = −∞-like decay only the newest write remains', () => {
    // Two writes under orthogonal keys; the second step's gate e^{-50} wipes the first.
    const k = tensor([2, 2], [1, 0, 0, 1]);
    const v = tensor([2, 1], [3, 5]);
    const q = tensor([2, 2], [0, 0, 1, 1]);
    const { o } = runKernel('gated_delta_rule', {
      q,
      k,
      v,
      beta: tensor([2], [1, 1]),
      g: tensor([2], [0, -50])
    });
    expect(o.data[1]).toBeCloseTo(5, 12);
  });

  test('bad inputs and options are refused clearly', () => {
    const { q, k, v } = randomQkv(3, 2, 2, 31);
    const beta = tensor([3], [0.5, 0.5, 0.5]);
    expect(() => runKernel('gated_delta_rule', { q, k, v, beta })).toThrow(/missing input 'g'/);
    expect(() => runKernel('gated_delta_rule', { q, k, v, beta, g: tensor([2]) })).toThrow(/g/);
    expect(() => runKernel('gated_delta_rule', { q, k, v, beta, g: tensor([3], [0, NaN, 0]) })).toThrow('g[1]');
    expect(() => runKernel('gated_delta_rule', { q, k, v, beta, g: tensor([3]) }, { chunkSize: 4 })).toThrow(
      /chunkSize/
    );
  });
});
