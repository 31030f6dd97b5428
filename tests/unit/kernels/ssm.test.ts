import { describe, test, expect } from 'vitest';
import { gatedLinearAttention } from '$lib/kernels/gated';
import { selectiveScan, type ScanForm } from '$lib/kernels/ssm';
import { maxAbsDiff, randn, tensor, uniform, type Tensor } from '$lib/kernels/tensor';
import { matrix, vector } from './helpers';

const FORMS: ScanForm[] = ['sequential', 'parallel'];

/** Mamba-like inputs: Δ = softplus(noise) > 0, A = −exp(noise) < 0. */
function randomScan(L: number, D: number, N: number, seed: number) {
  const delta = randn([L, D], seed + 1);
  delta.data.forEach((x, i) => (delta.data[i] = Math.log1p(Math.exp(x))));
  const A = randn([D, N], seed + 2);
  A.data.forEach((x, i) => (A.data[i] = -Math.exp(x)));
  return { u: randn([L, D], seed), delta, A, B: randn([L, N], seed + 3), C: randn([L, N], seed + 4) };
}

describe('selective_scan: hand-computed cases', () => {
  // L = 2, one channel, one state. δ = ln 2 and A = −1 give exp(δA) = 1/2.
  // u is chosen so that δ·B·u is round: with B = 1, u_0 = 2/ln2 gives b_0 = 2, u_1 = 4/ln2 gives b_1 = 4.
  //   x_0 = ½·0 + 2 = 2,   x_1 = ½·2 + 4 = 5
  //   with C = [3, 1]:  y_0 = 3·2 = 6,  y_1 = 1·5 = 5
  const inputs = {
    u: matrix([[2 / Math.LN2], [4 / Math.LN2]]),
    delta: matrix([[Math.LN2], [Math.LN2]]),
    A: matrix([[-1]]),
    B: matrix([[1], [1]]),
    C: matrix([[3], [1]])
  };

  for (const form of FORMS) {
    test(`L = 2 by hand, form ${form}`, () => {
      const y = selectiveScan(inputs, { form }).y;
      expect(y.shape).toEqual([2, 1]);
      expect(y.data[0]).toBeCloseTo(6, 13);
      expect(y.data[1]).toBeCloseTo(5, 13);
    });

    test(`the D skip adds D·u, form ${form}`, () => {
      // D = 0.5·ln2 makes D·u = [1, 2], so y = [6 + 1, 5 + 2].
      const y = selectiveScan({ ...inputs, D: vector([0.5 * Math.LN2]) }, { form }).y;
      expect(y.data[0]).toBeCloseTo(7, 13);
      expect(y.data[1]).toBeCloseTo(7, 13);
    });
  }

  test('two states with different decays add up through C', () => {
    // One channel, N = 2, A = [0, −1] with δ = 1: per-step decays e^0 = 1 and e^{−1}.
    // u = 1, B = [1, 1] every step, so b = 1 for both states; C = [1, 1].
    //   state 0 (no decay): 1, 2, 3;   state 1: 1, 1 + e^{−1}, 1 + e^{−1} + e^{−2}
    const ones = matrix([
      [1, 1],
      [1, 1],
      [1, 1]
    ]);
    const y = selectiveScan({
      u: matrix([[1], [1], [1]]),
      delta: matrix([[1], [1], [1]]),
      A: matrix([[0, -1]]),
      B: ones,
      C: ones
    }).y;
    const e = Math.E;
    [1 + 1, 2 + 1 + 1 / e, 3 + 1 + 1 / e + 1 / e ** 2].forEach((x, t) => expect(y.data[t]).toBeCloseTo(x, 14));
  });
});

describe('selective_scan: parallel = sequential', () => {
  const shapes: [L: number, D: number, N: number][] = [
    [1, 1, 1],
    [2, 1, 1],
    [3, 2, 4],
    [5, 3, 2],
    [16, 2, 16],
    [17, 4, 3],
    [33, 1, 8],
    [64, 3, 4]
  ];
  for (const [L, D, N] of shapes) {
    for (const seed of [1, 2, 3]) {
      test(`L=${L} D=${D} N=${N} seed=${seed}`, () => {
        const inputs = randomScan(L, D, N, seed);
        const sequential = selectiveScan(inputs, { form: 'sequential' }).y;
        expect(sequential.shape).toEqual([L, D]);
        expect(maxAbsDiff(selectiveScan(inputs, { form: 'parallel' }).y, sequential)).toBeLessThan(1e-10);
        const skip = randn([D], seed + 9);
        const withD = { ...inputs, D: skip };
        const sequentialD = selectiveScan(withD, { form: 'sequential' }).y;
        expect(maxAbsDiff(selectiveScan(withD, { form: 'parallel' }).y, sequentialD)).toBeLessThan(1e-10);
        // The D option only adds D_c·u_{t,c} on top.
        for (let t = 0; t < L; t++) {
          for (let c = 0; c < D; c++) {
            const added = sequentialD.data[t * D + c] - sequential.data[t * D + c];
            expect(added).toBeCloseTo(skip.data[c] * inputs.u.data[t * D + c], 12);
          }
        }
      });
    }
  }
});

describe('selective_scan: structure', () => {
  test('channels are independent', () => {
    const inputs = randomScan(9, 3, 4, 5);
    const before = selectiveScan(inputs).y;
    // Change channel 2's input and step everywhere: channels 0 and 1 must not move.
    const u = tensor(inputs.u.shape, inputs.u.data);
    const delta = tensor(inputs.delta.shape, inputs.delta.data);
    for (let t = 0; t < 9; t++) {
      u.data[t * 3 + 2] += 1;
      delta.data[t * 3 + 2] *= 2;
    }
    const after = selectiveScan({ ...inputs, u, delta }).y;
    for (let t = 0; t < 9; t++) {
      expect(after.data[t * 3]).toBe(before.data[t * 3]);
      expect(after.data[t * 3 + 1]).toBe(before.data[t * 3 + 1]);
    }
  });

  test('with A constant along n, each channel is gated linear attention (q = C, k = B, v = δu, g = δA)', () => {
    // The SSD duality of syllabus §2.13, for one channel at a time.
    const L = 20;
    const D = 3;
    const N = 5;
    const { u, delta, B, C } = randomScan(L, D, N, 8);
    const perChannelA = uniform([D], 4, -2, -0.1);
    const A = tensor([D, N]);
    for (let c = 0; c < D; c++) A.data.fill(perChannelA.data[c], c * N, (c + 1) * N);
    const y = selectiveScan({ u, delta, A, B, C }).y;

    for (let c = 0; c < D; c++) {
      const v: Tensor = tensor([L, 1]);
      const g: Tensor = tensor([L]);
      for (let t = 0; t < L; t++) {
        v.data[t] = delta.data[t * D + c] * u.data[t * D + c];
        g.data[t] = delta.data[t * D + c] * perChannelA.data[c];
      }
      const o = gatedLinearAttention({ q: C, k: B, v, g }, { form: 'chunk', chunkSize: 8 }).o;
      for (let t = 0; t < L; t++) expect(y.data[t * D + c]).toBeCloseTo(o.data[t], 12);
    }
  });
});
