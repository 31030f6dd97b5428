// The registry's moe_gates against an independent implementation written differently: ranks by
// counting (how many experts beat this one) instead of sorting, softmax over all E then
// renormalised over the chosen, and capacity applied to a flat list of (token, rank) assignments
// in a second pass. Plus the identities the gates must satisfy, and the option validation.
import { describe, expect, test } from 'vitest';
import { expertCapacity, moeGates, runKernel } from '$lib/kernels';
import { mulberry32, randn, tensor, type Tensor } from '$lib/kernels/tensor';

/** Gates by counting: expert e is chosen iff fewer than k experts beat it (higher logit, or equal and lower index). */
function independentGates(logits: Tensor, k: number, capacity?: number): Float64Array {
  const [T, E] = logits.shape;
  const x = (t: number, e: number) => logits.data[t * E + e];
  const out = new Float64Array(T * E);
  const assignments: { t: number; e: number; rank: number; w: number }[] = [];
  for (let t = 0; t < T; t++) {
    let max = -Infinity;
    for (let e = 0; e < E; e++) max = Math.max(max, x(t, e));
    const p = Array.from({ length: E }, (_, e) => Math.exp(x(t, e) - max));
    const rank = (e: number) => {
      let beaten = 0;
      for (let f = 0; f < E; f++) if (x(t, f) > x(t, e) || (x(t, f) === x(t, e) && f < e)) beaten++;
      return beaten;
    };
    const chosen = p.map((_, e) => e).filter((e) => rank(e) < k);
    const z = chosen.reduce((a, e) => a + p[e], 0);
    for (const e of chosen) assignments.push({ t, e, rank: rank(e), w: p[e] / z });
  }
  // Serving order: token first, then rank (rank order is weight order with ties to the lower expert).
  assignments.sort((a, b) => a.t - b.t || a.rank - b.rank);
  const held = new Map<number, number>();
  for (const a of assignments) {
    const h = held.get(a.e) ?? 0;
    if (capacity !== undefined && h >= capacity) continue;
    held.set(a.e, h + 1);
    out[a.t * E + a.e] = a.w;
  }
  return out;
}

/** Logits with many exact ties: small integers. */
function tiedLogits(T: number, E: number, seed: number): Tensor {
  const rng = mulberry32(seed);
  return tensor(
    [T, E],
    Array.from({ length: T * E }, () => Math.floor(rng() * 3))
  );
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 4, 2],
  [7, 4, 1],
  [16, 8, 2],
  [33, 8, 8],
  [50, 16, 4],
  [64, 3, 2]
];

describe('moe_gates', () => {
  for (const [T, E, k] of SHAPES) {
    for (const kind of ['random', 'tied'] as const) {
      test(`T = ${T}, E = ${E}, k = ${k}, ${kind} logits: matches the independent implementation`, () => {
        const logits = kind === 'random' ? randn([T, E], T * 100 + E) : tiedLogits(T, E, T + E);
        for (const capacity of [undefined, 0, 1, 2, Math.ceil((T * k) / E), T * k]) {
          const { gates } = runKernel('moe_gates', { logits }, { k, capacity });
          expect(gates.shape).toEqual([T, E]);
          expect(maxDiff(gates.data, independentGates(logits, k, capacity))).toBeLessThan(1e-12);
        }
      });
    }
  }

  test('identities: rows sum to 1 with exactly k nonzeros; capacity is never exceeded; capacity ≥ T·k changes nothing', () => {
    for (const [T, E, k] of SHAPES) {
      const logits = randn([T, E], 7 * T + E);
      const free = moeGates({ logits }, { k }).gates;
      for (let t = 0; t < T; t++) {
        const row = free.data.subarray(t * E, (t + 1) * E);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        expect(row.filter((g) => g !== 0).length).toBe(k);
      }
      for (const capacity of [0, 1, 3]) {
        const capped = moeGates({ logits }, { k, capacity }).gates;
        for (let e = 0; e < E; e++) {
          let held = 0;
          for (let t = 0; t < T; t++) if (capped.data[t * E + e] !== 0) held++;
          expect(held).toBeLessThanOrEqual(capacity);
        }
        // A kept gate keeps its value: dropping never renormalises the others.
        capped.data.forEach((g, i) => g !== 0 && expect(g).toBe(free.data[i]));
      }
      expect(moeGates({ logits }, { k, capacity: T * k }).gates.data).toEqual(free.data);
    }
  });

  test('ties go to the lower expert, and the top-k weights are the renormalised softmax', () => {
    const logits = tensor([1, 4], [1, 2, 2, 2]);
    const { gates } = moeGates({ logits }, { k: 2 });
    expect(Array.from(gates.data)).toEqual([0, 0.5, 0.5, 0]);
    const one = moeGates({ logits: tensor([1, 3], [0, Math.log(3), 5]) }, { k: 2 }).gates;
    expect(one.data[0]).toBe(0);
    expect(one.data[1]).toBeCloseTo(3 / (3 + Math.exp(5)), 14);
  });

  test('capacity serves tokens in order, a token’s best expert first; GShard’s choice-major order differs', () => {
    // Token 0 prefers expert 1 then 0; token 1 prefers 0 then 1. With capacity 1, token order
    // gives token 0 both of its experts, and token 1 nothing. (GShard would serve both first
    // choices first: token 0 → 1, token 1 → 0.)
    const logits = tensor([2, 2], [0, 1, 1, 0]);
    const { gates } = moeGates({ logits }, { k: 2, capacity: 1 });
    expect(Array.from(gates.data.subarray(2))).toEqual([0, 0]);
    expect(gates.data[0]).toBeGreaterThan(0);
    expect(gates.data[1]).toBeGreaterThan(0);
  });

  test('expertCapacity is ⌈cf·T·K/E⌉', () => {
    expect(expertCapacity(1, 10, 2, 4)).toBe(5);
    expect(expertCapacity(1.25, 10, 2, 4)).toBe(7);
    expect(expertCapacity(0.5, 7, 1, 4)).toBe(1);
    expect(expertCapacity(2, 3, 1, 8)).toBe(1);
    expect(expertCapacity(0, 10, 2, 4)).toBe(0);
  });

  test('options are validated with clear messages', () => {
    const logits = randn([3, 4], 1);
    expect(() => runKernel('moe_gates', { logits }, {})).toThrow('moe_gates: option k is required');
    expect(() => runKernel('moe_gates', { logits }, { k: 0 })).toThrow(
      'moe_gates: option k must be an integer with 1 ≤ k ≤ E = 4 but is 0'
    );
    expect(() => runKernel('moe_gates', { logits }, { k: 5 })).toThrow('1 ≤ k ≤ E = 4 but is 5');
    expect(() => runKernel('moe_gates', { logits }, { k: 1.5 })).toThrow('but is 1.5');
    expect(() => runKernel('moe_gates', { logits }, { k: 2, capacity: 1.5 })).toThrow(
      'moe_gates: option capacity must be an integer ≥ 0 but is 1.5'
    );
    expect(() => runKernel('moe_gates', { logits }, { k: 2, capacity: -1 })).toThrow('but is -1');
    expect(() => runKernel('moe_gates', { logits }, { k: '2' })).toThrow(
      'moe_gates: option k must be a number but is string'
    );
    expect(() => runKernel('moe_gates', { logits }, { k: 2, cap: 1 })).toThrow("moe_gates: unknown option 'cap'");
    expect(() => runKernel('moe_gates', { logits: randn([3], 1) }, { k: 1 })).toThrow(
      'moe_gates: logits must have shape [T,E] (rank 2) but has shape [3]'
    );
    expect(() => runKernel('moe_gates', { x: logits }, { k: 1 })).toThrow("moe_gates: unexpected input 'x'");
    expect(() => runKernel('moe_gates', { logits: tensor([1, 2], [0, NaN]) }, { k: 1 })).toThrow(
      'moe_gates: logits must be finite numbers'
    );
  });
});
