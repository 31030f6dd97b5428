/**
 * The sparse-attention references of the registry against independent implementations: a dense
 * N×N mask built straight from each contract's sentence, then a plain masked softmax. Plus the
 * identities that must hold (a window wider than N, sinks beyond the window, MoBA with every block
 * selected is causal attention, MoBA with one block per query is block-local attention).
 */
import { describe, expect, test } from 'vitest';
import { kernels, runKernel, type Tensor } from '$lib/kernels';
import { maxAbsDiff, randn, tensor } from '$lib/kernels/tensor';

/** o = softmax(mask(q kᵀ / √d)) v with an explicit boolean mask, the slow obvious way. */
function maskedAttention(q: Tensor, k: Tensor, v: Tensor, visible: (i: number, j: number) => boolean): Tensor {
  const [N, d] = q.shape;
  const dv = v.shape[1];
  const o = tensor([N, dv]);
  for (let i = 0; i < N; i++) {
    const weights: number[] = [];
    for (let j = 0; j < N; j++) {
      if (!visible(i, j)) {
        weights.push(0);
        continue;
      }
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q.data[i * d + c] * k.data[j * d + c];
      weights.push(Math.exp(dot / Math.sqrt(d)));
    }
    const total = weights.reduce((a, b) => a + b, 0);
    for (let j = 0; j < N; j++) {
      for (let c = 0; c < dv; c++) o.data[i * dv + c] += (weights[j] / total) * v.data[j * dv + c];
    }
  }
  return o;
}

function inputs(N: number, d: number, dv: number, seed: number) {
  return { q: randn([N, d], seed), k: randn([N, d], seed + 1), v: randn([N, dv], seed + 2) };
}

describe('attention with sinks', () => {
  test.each([
    [1, 1, 0],
    [12, 3, 2],
    [12, 4, 4],
    [17, 5, 1],
    [9, 2, 7]
  ])('N = %i, window %i, sinks %i: equals the dense mask j ≤ i and (i − j < w or j < s)', (N, w, s) => {
    const { q, k, v } = inputs(N, 4, 3, 10 * N + w + s);
    const { o } = runKernel('attention', { q, k, v }, { causal: true, window: w, sinks: s });
    const expected = maskedAttention(q, k, v, (i, j) => j <= i && (i - j < w || j < s));
    expect(maxAbsDiff(o, expected)).toBeLessThan(1e-12);
  });

  test('sinks = 0 is the plain window; sinks ≥ N with any window is causal attention', () => {
    const { q, k, v } = inputs(10, 3, 2, 5);
    const window = runKernel('attention', { q, k, v }, { window: 3 }).o;
    expect(maxAbsDiff(runKernel('attention', { q, k, v }, { window: 3, sinks: 0 }).o, window)).toBe(0);
    const causal = runKernel('attention', { q, k, v }, { causal: true }).o;
    expect(maxAbsDiff(runKernel('attention', { q, k, v }, { window: 2, sinks: 10 }).o, causal)).toBeLessThan(1e-12);
  });

  test('a sink changes the output of a query that the window has moved past, and no other', () => {
    const { q, k, v } = inputs(8, 3, 2, 6);
    const window = runKernel('attention', { q, k, v }, { window: 3 }).o;
    const sunk = runKernel('attention', { q, k, v }, { window: 3, sinks: 1 }).o;
    for (let i = 0; i < 8; i++) {
      const differs = Math.abs(window.data[i * 2] - sunk.data[i * 2]) > 1e-12;
      expect(differs, `row ${i}`).toBe(i >= 3);
    }
  });

  test('bad sinks are refused with a message naming the option', () => {
    const qkv = inputs(4, 2, 2, 7);
    expect(() => runKernel('attention', qkv, { sinks: 2 })).toThrow(/sinks needs a window/);
    expect(() => runKernel('attention', qkv, { window: 2, sinks: -1 })).toThrow(/sinks must be an integer ≥ 0/);
    expect(() => runKernel('attention', qkv, { window: 2, sinks: 1.5 })).toThrow(/sinks must be an integer ≥ 0/);
    expect(() => kernels.attention.run(qkv, { window: 2, sinks: '1' })).toThrow(/sinks must be a number/);
    expect(() => kernels.flash_attention.run(qkv, { window: 2, sinks: 1 })).toThrow(/unknown option 'sinks'/);
  });
});

/** MoBA's block choice written independently: score every earlier block, rank by (score desc, block asc). */
function mobaVisible(q: Tensor, k: Tensor, B: number, topk: number): (i: number, j: number) => boolean {
  const [N, d] = q.shape;
  const selected: Set<number>[] = [];
  for (let i = 0; i < N; i++) {
    const current = Math.floor(i / B);
    const ranked: [number, number][] = [];
    for (let b = 0; b < current; b++) {
      let score = 0;
      for (let j = b * B; j < (b + 1) * B; j++) {
        for (let c = 0; c < d; c++) score += (q.data[i * d + c] * k.data[j * d + c]) / B;
      }
      ranked.push([b, score]);
    }
    ranked.sort((x, y) => (y[1] !== x[1] ? y[1] - x[1] : x[0] - y[0]));
    selected.push(new Set([current, ...ranked.slice(0, topk - 1).map(([b]) => b)]));
  }
  return (i, j) => j <= i && selected[i].has(Math.floor(j / B));
}

describe('moba_attention', () => {
  test.each([
    [1, 1, 1],
    [16, 4, 2],
    [16, 4, 3],
    [19, 4, 2],
    [24, 3, 4],
    [7, 2, 1]
  ])('N = %i, blockSize %i, topk %i: equals the dense mask of the selected blocks', (N, B, topk) => {
    const { q, k, v } = inputs(N, 4, 3, N + 31 * B + topk);
    const { o } = runKernel('moba_attention', { q, k, v }, { blockSize: B, topk });
    expect(maxAbsDiff(o, maskedAttention(q, k, v, mobaVisible(q, k, B, topk)))).toBeLessThan(1e-12);
  });

  test('selecting every block is causal attention; one block per query is block-local causal attention', () => {
    const { q, k, v } = inputs(20, 4, 3, 3);
    const causal = runKernel('attention', { q, k, v }, { causal: true }).o;
    expect(maxAbsDiff(runKernel('moba_attention', { q, k, v }, { blockSize: 4, topk: 5 }).o, causal)).toBeLessThan(
      1e-12
    );
    expect(maxAbsDiff(runKernel('moba_attention', { q, k, v }, { blockSize: 32, topk: 1 }).o, causal)).toBeLessThan(
      1e-12
    );
    const local = maskedAttention(q, k, v, (i, j) => j <= i && Math.floor(i / 4) === Math.floor(j / 4));
    expect(maxAbsDiff(runKernel('moba_attention', { q, k, v }, { blockSize: 4, topk: 1 }).o, local)).toBeLessThan(
      1e-12
    );
  });

  test('blockSize 1, topk 1: every query sees only itself, so o = v', () => {
    const { q, k, v } = inputs(6, 2, 3, 4);
    expect(maxAbsDiff(runKernel('moba_attention', { q, k, v }, { blockSize: 1, topk: 1 }).o, v)).toBeLessThan(1e-15);
  });

  test('equal gate scores go to the lower block; a later block is never chosen', () => {
    // d = 1, q = 1 everywhere: the gate score of a block is its mean key. Blocks 0 and 1 tie at 1,
    // block 2 scores 0. Query 6 (block 3), topk 2: it must take block 0 beside its own.
    const N = 8;
    const q = tensor([N, 1], new Array(N).fill(1));
    const k = tensor([N, 1], [1, 1, 2, 0, 0, 0, 9, 9]);
    const v = tensor([N, 1], [10, 10, 20, 20, 30, 30, 40, 40]);
    const { o } = runKernel('moba_attention', { q, k, v }, { blockSize: 2, topk: 2, scale: 1 });
    // Keys 0, 1 (k = 1, v = 10) and 6 (k = 9, v = 40): weights e¹, e¹, e⁹.
    const e1 = Math.exp(1);
    const e9 = Math.exp(9);
    expect(o.data[6]).toBeCloseTo((2 * e1 * 10 + e9 * 40) / (2 * e1 + e9), 12);
    // Query 1 (block 0) has no earlier block: it sees keys 0 and 1 only, whatever topk is.
    expect(o.data[1]).toBeCloseTo(10, 12);
  });

  test('bad options and shapes are refused with a message naming them', () => {
    const qkv = inputs(8, 2, 2, 9);
    expect(() => runKernel('moba_attention', qkv, { blockSize: 0, topk: 1 })).toThrow(
      /blockSize must be a positive integer/
    );
    expect(() => runKernel('moba_attention', qkv, { blockSize: 2, topk: 0.5 })).toThrow(
      /topk must be a positive integer/
    );
    expect(() => kernels.moba_attention.run(qkv, { topk: 1 })).toThrow(/blockSize is required/);
    expect(() => kernels.moba_attention.run(qkv, { blockSize: 2, topk: 1, window: 2 })).toThrow(
      /unknown option 'window'/
    );
    const short = { ...qkv, k: randn([6, 2], 1), v: randn([6, 2], 2) };
    expect(() => runKernel('moba_attention', short, { blockSize: 2, topk: 1 })).toThrow(/must match/);
  });
});
