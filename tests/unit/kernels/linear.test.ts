import { describe, test, expect } from 'vitest';
import { gatedLinearAttention } from '$lib/kernels/gated';
import { linearAttention, type LinearForm } from '$lib/kernels/linear';
import { maxAbsDiff, tensor } from '$lib/kernels/tensor';
import { allFinite, matrix, randomLogDecay, randomQkv, vector } from './helpers';

const FORMS: LinearForm[] = ['recurrent', 'parallel', 'chunk'];

// [T, dk, dv, chunkSize]: T = 1, T a multiple of the chunk, T not a multiple, chunk 1, chunk > T, d = 1.
const SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 16],
  [1, 3, 2, 4],
  [5, 3, 2, 2],
  [16, 4, 4, 16],
  [17, 4, 3, 16],
  [33, 8, 5, 7],
  [40, 3, 4, 1],
  [12, 1, 1, 5],
  [9, 2, 6, 64]
];
const SEEDS = [1, 2, 3];

describe('linear_attention: hand-computed cases', () => {
  // dk = dv = 1, q = [1, 2], k = [3, 4], v = [5, 6]:
  //   o_0 = (q_0 k_0) v_0 = 1·3·5 = 15
  //   o_1 = (q_1 k_0) v_0 + (q_1 k_1) v_1 = 2·3·5 + 2·4·6 = 30 + 48 = 78
  const inputs = { q: matrix([[1], [2]]), k: matrix([[3], [4]]), v: matrix([[5], [6]]) };

  for (const form of FORMS) {
    test(`T = 2 by hand, form ${form}`, () => {
      expect(Array.from(linearAttention(inputs, { form, chunkSize: 1 }).o.data)).toEqual([15, 78]);
      expect(Array.from(linearAttention(inputs, { form }).o.data)).toEqual([15, 78]);
      // scale multiplies every output: 0.5 · [15, 78].
      expect(Array.from(linearAttention(inputs, { form, scale: 0.5 }).o.data)).toEqual([7.5, 39]);
    });
  }

  test('state layout: dk = 2, dv = 1, orthogonal keys store separate values', () => {
    // k_0 = e_1 carries v = 5, k_1 = e_2 carries v = 7, so S = [[5], [7]] after both tokens.
    // q_1 = [1, 10] reads Sᵀ q_1 = 1·5 + 10·7 = 75; q_0 = [2, 0] reads S_0ᵀ q_0 = 2·5 = 10.
    const o = linearAttention({
      q: matrix([
        [2, 0],
        [1, 10]
      ]),
      k: matrix([
        [1, 0],
        [0, 1]
      ]),
      v: matrix([[5], [7]])
    }).o;
    expect(Array.from(o.data)).toEqual([10, 75]);
  });
});

describe('linear_attention: recurrent = parallel = chunk', () => {
  for (const [T, dk, dv, chunkSize] of SHAPES) {
    for (const seed of SEEDS) {
      test(`T=${T} dk=${dk} dv=${dv} C=${chunkSize} seed=${seed}`, () => {
        const inputs = randomQkv(T, dk, dv, seed);
        const scale = 1 / Math.sqrt(dk);
        const reference = linearAttention(inputs, { form: 'recurrent', scale }).o;
        expect(reference.shape).toEqual([T, dv]);
        expect(maxAbsDiff(linearAttention(inputs, { form: 'parallel', scale }).o, reference)).toBeLessThan(1e-10);
        expect(maxAbsDiff(linearAttention(inputs, { form: 'chunk', chunkSize, scale }).o, reference)).toBeLessThan(
          1e-10
        );
      });
    }
  }
});

describe('gated_linear_attention: hand-computed cases', () => {
  // Same q, k, v as the linear case, with g = [ln 0.25, ln 0.5]:
  //   S_0 = 0.25·0 + k_0 v_0 = 15           → o_0 = q_0 S_0 = 15 (the first decay acts on an empty state)
  //   S_1 = 0.5·15 + k_1 v_1 = 7.5 + 24 = 31.5 → o_1 = q_1 S_1 = 2·31.5 = 63
  const inputs = {
    q: matrix([[1], [2]]),
    k: matrix([[3], [4]]),
    v: matrix([[5], [6]]),
    g: vector([Math.log(0.25), Math.log(0.5)])
  };

  for (const form of FORMS) {
    test(`T = 2 by hand, form ${form}`, () => {
      for (const chunkSize of [1, 2, 16]) {
        const o = gatedLinearAttention(inputs, { form, chunkSize }).o;
        expect(o.data[0]).toBeCloseTo(15, 13);
        expect(o.data[1]).toBeCloseTo(63, 13);
      }
    });
  }

  test('constant decay γ gives geometric weights (RetNet-style)', () => {
    // k = v = q = 1 for T = 3 and g = ln γ, γ = 0.5: o_t = Σ_{s≤t} γ^{t−s} = 1, 1.5, 1.75.
    const ones = matrix([[1], [1], [1]]);
    const g = vector([Math.log(0.5), Math.log(0.5), Math.log(0.5)]);
    for (const form of FORMS) {
      const o = gatedLinearAttention({ q: ones, k: ones, v: ones, g }, { form, chunkSize: 2 }).o;
      [1, 1.5, 1.75].forEach((x, t) => expect(o.data[t]).toBeCloseTo(x, 14));
    }
  });
});

describe('gated_linear_attention: identities', () => {
  for (const [T, dk, dv, chunkSize] of SHAPES) {
    for (const seed of SEEDS) {
      test(`recurrent = parallel = chunk, T=${T} dk=${dk} dv=${dv} C=${chunkSize} seed=${seed}`, () => {
        const inputs = { ...randomQkv(T, dk, dv, seed), g: randomLogDecay(T, seed + 3000, -2) };
        const reference = gatedLinearAttention(inputs, { form: 'recurrent', scale: 0.7 }).o;
        expect(maxAbsDiff(gatedLinearAttention(inputs, { form: 'parallel', scale: 0.7 }).o, reference)).toBeLessThan(
          1e-10
        );
        const chunked = gatedLinearAttention(inputs, { form: 'chunk', chunkSize, scale: 0.7 }).o;
        expect(maxAbsDiff(chunked, reference)).toBeLessThan(1e-10);
      });

      test(`g = 0 is linear attention, T=${T} dk=${dk} dv=${dv} seed=${seed}`, () => {
        const qkv = randomQkv(T, dk, dv, seed);
        const g = tensor([T]);
        for (const form of FORMS) {
          const gated = gatedLinearAttention({ ...qkv, g }, { form, chunkSize }).o;
          expect(maxAbsDiff(gated, linearAttention(qkv, { form: 'recurrent' }).o)).toBeLessThan(1e-10);
        }
      });
    }
  }

  test('strong decay over a long chunk stays finite (exp of differences, not of each cumsum)', () => {
    // g = −20 per token over a 64-token chunk: the in-chunk cumsum reaches −1280 and
    // e^{+1280} is Infinity in float64, so e^{b_t}·e^{−b_s} would produce Infinity·0 = NaN.
    expect(Math.exp(1280)).toBe(Infinity);
    const T = 100;
    const inputs = { ...randomQkv(T, 3, 2, 9), g: tensor([T], new Array<number>(T).fill(-20)) };
    const chunked = gatedLinearAttention(inputs, { form: 'chunk', chunkSize: 64 }).o;
    expect(allFinite(chunked)).toBe(true);
    expect(maxAbsDiff(chunked, gatedLinearAttention(inputs, { form: 'recurrent' }).o)).toBeLessThan(1e-12);
    expect(maxAbsDiff(gatedLinearAttention(inputs, { form: 'parallel' }).o, chunked)).toBeLessThan(1e-12);
  });

  test('a positive or non-finite g is refused, naming the element', () => {
    const qkv = randomQkv(3, 2, 2, 1);
    expect(() => gatedLinearAttention({ ...qkv, g: vector([0, 0.5, 0]) })).toThrow(
      'gated_linear_attention: g[1] = 0.5; g is a log decay and must be finite and ≤ 0'
    );
    expect(() => gatedLinearAttention({ ...qkv, g: vector([0, 0, -Infinity]) })).toThrow('g[2] = -Infinity');
  });

  test('chunkSize must be a positive integer', () => {
    const qkv = randomQkv(3, 2, 2, 1);
    expect(() => linearAttention(qkv, { form: 'chunk', chunkSize: 0 })).toThrow('chunkSize must be a positive integer');
    expect(() => gatedLinearAttention({ ...qkv, g: tensor([3]) }, { chunkSize: 2.5 })).toThrow(
      'chunkSize must be a positive integer'
    );
  });
});
