import { describe, test, expect } from 'vitest';
import { attention, gqaAttention } from '$lib/kernels/attention';
import { flashAttention } from '$lib/kernels/flash';
import { maxAbsDiff, randn, tensor, type Tensor } from '$lib/kernels/tensor';
import { allFinite, matrix, row } from './helpers';

const LN3 = Math.log(3);

/**
 * An independent, deliberately naive reference: the full T×S score matrix with the mask
 * written as an explicit condition per (i, j), softmax via log-sum-exp.
 */
function naiveAttention(q: Tensor, k: Tensor, v: Tensor, causal: boolean, window?: number): Tensor {
  const [T, d] = q.shape;
  const [S, dv] = v.shape;
  const o = tensor([T, dv]);
  for (let i = 0; i < T; i++) {
    const allowed: number[] = [];
    const scores: number[] = [];
    for (let j = 0; j < S; j++) {
      const position = i + (S - T); // ends aligned
      const causalOk = !causal || j <= position;
      const windowOk = window === undefined || position - j < window;
      if (!(causalOk && windowOk)) continue;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q.data[i * d + c] * k.data[j * d + c];
      allowed.push(j);
      scores.push(dot / Math.sqrt(d));
    }
    if (allowed.length === 0) continue;
    const max = Math.max(...scores);
    const logSumExp = max + Math.log(scores.reduce((s, x) => s + Math.exp(x - max), 0));
    allowed.forEach((j, n) => {
      const p = Math.exp(scores[n] - logSumExp);
      for (let c = 0; c < dv; c++) o.data[i * dv + c] += p * v.data[j * dv + c];
    });
  }
  return o;
}

describe('attention: hand-computed cases', () => {
  test('T = 1: a single key gets softmax weight 1, so o = v_0 whatever q and k are', () => {
    const q = randn([1, 3], 1);
    const k = randn([1, 3], 2);
    const v = matrix([[2, -5]]);
    expect(row(attention({ q, k, v }).o, 0)).toEqual([2, -5]);
  });

  test('T = 2, d = 1, scale 1: weights 1/4 and 3/4', () => {
    // Query 1 scores: q_1·k_0 = ln3·0 = 0 and q_1·k_1 = ln3·1 = ln3, so the softmax weights are
    // 1/(1+3) = 1/4 and 3/(1+3) = 3/4, and o_1 = 4/4 + 3·8/4 = 1 + 6 = 7.
    // Causal query 0 sees only key 0: o_0 = v_0 = 4.
    const q = matrix([[0], [LN3]]);
    const k = matrix([[0], [1]]);
    const v = matrix([[4], [8]]);
    const causal = attention({ q, k, v }, { scale: 1 }).o;
    expect(causal.data[0]).toBe(4);
    expect(causal.data[1]).toBeCloseTo(7, 14);
    // Non-causal: query 0 (q_0 = 0) scores both keys 0, so it averages them: (4 + 8)/2 = 6.
    const full = attention({ q, k, v }, { scale: 1, causal: false }).o;
    expect(full.data[0]).toBeCloseTo(6, 14);
    expect(full.data[1]).toBeCloseTo(7, 14);
  });

  test('default scale is 1/√d', () => {
    // d = 4, so scale = 1/2. q_1·k_1 = 4 · (ln3/2) · 1 = 2·ln3, scaled to ln3; q_1·k_0 = 0.
    // Same 1/4, 3/4 weights as above: o_1 = [4/4 + 3·8/4, 0/4 + 3·1/4] = [7, 0.75].
    const h = LN3 / 2;
    const q = matrix([
      [0, 0, 0, 0],
      [h, h, h, h]
    ]);
    const k = matrix([
      [0, 0, 0, 0],
      [1, 1, 1, 1]
    ]);
    const v = matrix([
      [4, 0],
      [8, 1]
    ]);
    const o = attention({ q, k, v }).o;
    expect(row(o, 1)[0]).toBeCloseTo(7, 14);
    expect(row(o, 1)[1]).toBeCloseTo(0.75, 14);
  });

  test('huge scores do not overflow (the row max is subtracted first)', () => {
    // Scores 1000 and 1000 + ln3: e^1000 is Infinity in float64, but the weights are still 1/4, 3/4.
    const q = matrix([[1], [1]]);
    const k = matrix([[1000], [1000 + LN3]]);
    const v = matrix([[4], [8]]);
    for (const kernel of [attention, flashAttention]) {
      const o = kernel({ q, k, v }, { scale: 1 }).o;
      expect(o.data[1]).toBeCloseTo(7, 10);
    }
  });

  test('sliding window: with equal scores each query averages its last w values', () => {
    // q = 0 makes every visible score 0, so the output is the plain mean of the visible values.
    const q = matrix([[0], [0], [0], [0]]);
    const k = randn([4, 1], 3);
    const v = matrix([[1], [2], [4], [8]]);
    expect(Array.from(attention({ q, k, v }, { window: 2 }).o.data)).toEqual([1, 1.5, 3, 6]);
    expect(Array.from(attention({ q, k, v }, { window: 1 }).o.data)).toEqual([1, 2, 4, 8]);
    // A window at least T wide is plain causal attention: running means 1, 1.5, 7/3, 15/4.
    const wide = attention({ q, k, v }, { window: 10 }).o.data;
    [1, 1.5, 7 / 3, 15 / 4].forEach((x, i) => expect(wide[i]).toBeCloseTo(x, 14));
  });

  test('T < S aligns the ends: the last query sees every key', () => {
    // T = 2 queries after S − T = 1 cached key: query 0 sits at key position 1, query 1 at 2.
    const q = matrix([[0], [0]]);
    const k = randn([3, 1], 4);
    const v = matrix([[1], [2], [6]]);
    // Equal scores, so plain means: query 0 over keys 0..1, (1 + 2)/2; query 1 over 0..2, (1 + 2 + 6)/3.
    const o = attention({ q, k, v }).o;
    expect(o.data[0]).toBeCloseTo(1.5, 14);
    expect(o.data[1]).toBeCloseTo(3, 14);
  });

  test('T > S: queries before the first key are fully masked and give zeros, not NaN', () => {
    // T = 3, S = 1: queries 0 and 1 sit at positions −2 and −1, before every key.
    const q = randn([3, 2], 5);
    const k = randn([1, 2], 6);
    const v = matrix([[3, 4]]);
    for (const kernel of [attention, flashAttention]) {
      const o = kernel({ q, k, v }).o;
      expect(Array.from(o.data)).toEqual([0, 0, 0, 0, 3, 4]);
    }
  });

  test('a window without causal is refused', () => {
    const q = randn([2, 2], 1);
    expect(() => attention({ q, k: q, v: q }, { causal: false, window: 2 })).toThrow('window needs causal: true');
  });
});

const SHAPES: [T: number, S: number, d: number, dv: number][] = [
  [1, 1, 1, 1],
  [5, 5, 3, 2],
  [17, 17, 4, 3],
  [33, 20, 8, 5],
  [20, 33, 2, 2],
  [16, 16, 1, 4]
];
const SEEDS = [11, 12, 13];

describe('attention against the naive reference', () => {
  for (const [T, S, d, dv] of SHAPES) {
    for (const seed of SEEDS) {
      test(`T=${T} S=${S} d=${d} dv=${dv} seed=${seed}`, () => {
        const q = randn([T, d], seed);
        const k = randn([S, d], seed + 100);
        const v = randn([S, dv], seed + 200);
        expect(maxAbsDiff(attention({ q, k, v }).o, naiveAttention(q, k, v, true))).toBeLessThan(1e-12);
        expect(maxAbsDiff(attention({ q, k, v }, { causal: false }).o, naiveAttention(q, k, v, false))).toBeLessThan(
          1e-12
        );
        for (const window of [1, 3, 8]) {
          const o = attention({ q, k, v }, { window }).o;
          expect(maxAbsDiff(o, naiveAttention(q, k, v, true, window))).toBeLessThan(1e-12);
        }
      });
    }
  }
});

describe('flash_attention equals attention', () => {
  for (const [T, S, d, dv] of SHAPES) {
    for (const seed of SEEDS) {
      test(`T=${T} S=${S} d=${d} dv=${dv} seed=${seed}`, () => {
        const q = randn([T, d], seed);
        const k = randn([S, d], seed + 100);
        const v = randn([S, dv], seed + 200);
        for (const blockSize of [1, 2, 3, 7, 16, 64]) {
          for (const options of [{}, { causal: false }, { window: 1 }, { window: 4 }, { scale: 0.3 }]) {
            const tiled = flashAttention({ q, k, v }, { ...options, blockSize }).o;
            expect(allFinite(tiled)).toBe(true);
            expect(maxAbsDiff(tiled, attention({ q, k, v }, options).o)).toBeLessThan(1e-12);
          }
        }
      });
    }
  }

  test('blockSize must be a positive integer', () => {
    const q = randn([2, 2], 1);
    expect(() => flashAttention({ q, k: q, v: q }, { blockSize: 0 })).toThrow('blockSize must be a positive integer');
  });
});

/** Stacks rank-2 tensors into a [H, rows, cols] tensor. */
function stack(heads: Tensor[]): Tensor {
  const [rows, cols] = heads[0].shape;
  const out = tensor([heads.length, rows, cols]);
  heads.forEach((h, i) => out.data.set(h.data, i * rows * cols));
  return out;
}

describe('gqa_attention', () => {
  const cases: [Hq: number, Hkv: number, T: number, d: number, dv: number][] = [
    [4, 4, 6, 3, 2],
    [6, 2, 9, 4, 3],
    [8, 1, 5, 2, 2],
    [3, 3, 1, 1, 1],
    [4, 2, 17, 8, 4]
  ];

  for (const [Hq, Hkv, T, d, dv] of cases) {
    test(`Hq=${Hq} Hkv=${Hkv} T=${T}: equals attention per head on K/V repeated group by group`, () => {
      const qHeads = Array.from({ length: Hq }, (_, h) => randn([T, d], 10 + h));
      const kHeads = Array.from({ length: Hkv }, (_, h) => randn([T, d], 50 + h));
      const vHeads = Array.from({ length: Hkv }, (_, h) => randn([T, dv], 90 + h));
      // repeat_interleave: each KV head is used by the next Hq/Hkv query heads in turn.
      const group = Hq / Hkv;
      const repeatedK: Tensor[] = [];
      const repeatedV: Tensor[] = [];
      for (let kv = 0; kv < Hkv; kv++) {
        for (let r = 0; r < group; r++) {
          repeatedK.push(kHeads[kv]);
          repeatedV.push(vHeads[kv]);
        }
      }
      const q = stack(qHeads);
      const o = gqaAttention({ q, k: stack(kHeads), v: stack(vHeads) }).o;
      expect(o.shape).toEqual([Hq, T, dv]);
      const expected = stack(qHeads.map((qh, h) => attention({ q: qh, k: repeatedK[h], v: repeatedV[h] }).o));
      expect(maxAbsDiff(o, expected)).toBeLessThan(1e-14);
      // And the same through gqa itself with Hkv = Hq on the repeated tensors.
      const viaRepeat = gqaAttention({ q, k: stack(repeatedK), v: stack(repeatedV) }).o;
      expect(maxAbsDiff(o, viaRepeat)).toBeLessThan(1e-14);
    });
  }

  test('options are passed through (non-causal, scale)', () => {
    const q = randn([2, 4, 3], 1);
    const k = randn([1, 4, 3], 2);
    const v = randn([1, 4, 2], 3);
    const o = gqaAttention({ q, k, v }, { causal: false, scale: 0.25 }).o;
    const kv = { k: tensor([4, 3], k.data), v: tensor([4, 2], v.data) };
    const head1 = attention({ q: tensor([4, 3], q.data.subarray(12)), ...kv }, { causal: false, scale: 0.25 }).o;
    expect(row(o, 1, 3)).toEqual(row(head1, 3));
  });

  test('Hq not a multiple of Hkv is refused with both shapes in the message', () => {
    const q = randn([6, 4, 8], 1);
    const k = randn([4, 4, 8], 2);
    const v = randn([4, 4, 8], 3);
    expect(() => gqaAttention({ q, k, v })).toThrow(
      'gqa_attention: q has shape [6,4,8] (Hq = 6) and k has shape [4,4,8] (Hkv = 4); the number of query heads must be a multiple of the number of KV heads'
    );
  });
});
