import { describe, test, expect } from 'vitest';
import { deltaRule, type DeltaForm } from '$lib/kernels/delta';
import { linearAttention } from '$lib/kernels/linear';
import { maxAbsDiff, randn, tensor, uniform, type Tensor } from '$lib/kernels/tensor';
import { l2NormaliseRows, matrix, row, vector } from './helpers';

const FORMS: DeltaForm[] = ['recurrent', 'chunk'];
const CHUNKS = [1, 2, 3, 5, 16, 64];

describe('delta_rule: hand-computed cases', () => {
  test('T = 2, scalar key: each write moves the stored value β of the way to v', () => {
    // dk = dv = 1, k = 1 (unit norm), β = 0.5, v = [2, 6], q = 1:
    //   S_0 = 0 + 0.5·1·(2 − 0·1) = 1                 → o_0 = 1
    //   S_1 = 1 + 0.5·1·(6 − 1·1) = 1 + 2.5 = 3.5     → o_1 = 3.5
    const inputs = { q: matrix([[1], [1]]), k: matrix([[1], [1]]), v: matrix([[2], [6]]), beta: vector([0.5, 0.5]) };
    for (const form of FORMS) {
      for (const chunkSize of CHUNKS) {
        expect(Array.from(deltaRule(inputs, { form, chunkSize }).o.data)).toEqual([1, 3.5]);
      }
    }
    // scale multiplies the read-out only: 2 · [1, 3.5].
    expect(Array.from(deltaRule(inputs, { scale: 2 }).o.data)).toEqual([2, 7]);
  });

  test('orthogonal keys do not interfere', () => {
    // k_0 = e_1 stores [1, 2], k_1 = e_2 stores [3, 4] (β = 1). S_1ᵀ e_1 is still [1, 2],
    // because S_0ᵀ k_1 = 0 leaves nothing to subtract along e_1.
    const inputs = {
      q: matrix([
        [1, 0],
        [1, 0]
      ]),
      k: matrix([
        [1, 0],
        [0, 1]
      ]),
      v: matrix([
        [1, 2],
        [3, 4]
      ]),
      beta: vector([1, 1])
    };
    for (const form of FORMS) {
      const o = deltaRule(inputs, { form, chunkSize: 2 }).o;
      expect(row(o, 0)).toEqual([1, 2]);
      expect(row(o, 1)).toEqual([1, 2]);
    }
  });

  test('β = 0 never writes', () => {
    const T = 6;
    const inputs = {
      q: randn([T, 3], 1),
      k: l2NormaliseRows(randn([T, 3], 2)),
      v: randn([T, 2], 3),
      beta: tensor([T])
    };
    for (const form of FORMS) expect(deltaRule(inputs, { form, chunkSize: 4 }).o.data.every((x) => x === 0)).toBe(true);
  });
});

/** Random DeltaNet inputs: unit keys and β ∈ (0, 1), as the model produces them. */
function randomDelta(T: number, dk: number, dv: number, seed: number) {
  return {
    q: randn([T, dk], seed),
    k: l2NormaliseRows(randn([T, dk], seed + 1000)),
    v: randn([T, dv], seed + 2000),
    beta: uniform([T], seed + 3000, 0.01, 0.99)
  };
}

describe('delta_rule: chunk (WY/UT) = recurrent', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 4, 3],
    [2, 2, 2],
    [7, 3, 2],
    [16, 4, 4],
    [33, 8, 5],
    [50, 1, 3],
    [45, 16, 8]
  ];
  for (const [T, dk, dv] of shapes) {
    for (const seed of [1, 2, 3]) {
      test(`T=${T} dk=${dk} dv=${dv} seed=${seed}`, () => {
        const inputs = randomDelta(T, dk, dv, seed);
        const reference = deltaRule(inputs, { form: 'recurrent', scale: 0.5 }).o;
        expect(reference.shape).toEqual([T, dv]);
        for (const chunkSize of CHUNKS) {
          const chunked = deltaRule(inputs, { form: 'chunk', chunkSize, scale: 0.5 }).o;
          expect(maxAbsDiff(chunked, reference)).toBeLessThan(1e-10);
        }
      });
    }
  }
});

describe('delta_rule: overwrite property', () => {
  // With ‖k‖ = 1 and β = 1 the update is S ← S + k (v* − Sᵀk)ᵀ, after which
  // Sᵀk = Sᵀk + (v* − Sᵀk)·(kᵀk) = v*: whatever was stored under k is replaced.
  for (const seed of [4, 5, 6]) {
    test(`writing k with β = 1, then querying k, returns the latest value (seed ${seed})`, () => {
      const T = 21;
      const dk = 4;
      const dv = 3;
      const history = randomDelta(T, dk, dv, seed);
      // The last token rewrites the key used at step 5 with a fresh value, and queries it.
      const key = row(history.k, 5);
      const fresh = row(randn([1, dv], seed + 77), 0);
      const q = tensor([T, dk], history.q.data);
      const k = tensor([T, dk], history.k.data);
      const v = tensor([T, dv], history.v.data);
      const beta = tensor([T], history.beta.data);
      q.data.set(key, (T - 1) * dk);
      k.data.set(key, (T - 1) * dk);
      v.data.set(fresh, (T - 1) * dv);
      beta.data[T - 1] = 1;
      for (const form of FORMS) {
        for (const chunkSize of [1, 4, 16, 32]) {
          const o: Tensor = deltaRule({ q, k, v, beta }, { form, chunkSize }).o;
          row(o, T - 1).forEach((x, j) => expect(x).toBeCloseTo(fresh[j], 12));
        }
      }
      // Linear attention has no such property: it adds to what is already there.
      const linear = linearAttention({ q, k, v }).o;
      expect(Math.max(...row(linear, T - 1).map((x, j) => Math.abs(x - fresh[j])))).toBeGreaterThan(1e-3);
    });
  }
});
