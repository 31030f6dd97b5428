/**
 * The parallel form on the WASM backend: one ONNX graph (run by onnxruntime-web) that materialises
 * deltaA and deltaB_u as [N, D, N_s] tensors, scans them with a work-efficient (Blelloch-style)
 * scan, and reads out y. The scan pairs neighbours (t = 2i, 2i+1), solves the N/2 pairs the same
 * way, then spreads the result back: log₂ N levels down and up, O(N) work in all. N is padded to
 * a power of 2 with steps that change nothing (Δ = 0 gives ā = 1, b̄u = 0).
 */
import { onnx, type Graph, type Tensor, type Value } from 'lab';
import type { BRule, ScanInputs } from './main';

/** Steps x ↦ a·x + b for M consecutive times, each [M, W] with W = D·N_s. */
interface Steps {
  a: Value;
  b: Value;
}

/** (a1, b1) ∘ (a2, b2): first the earlier steps, then the later ones. */
function combine(g: Graph, first: Steps, then: Steps): Steps {
  return { a: g.mul(first.a, then.a), b: g.add(g.mul(first.a, then.b), first.b) };
}

/**
 * The reshapes the scan needs, for one graph. The graph builder has no Slice or Concat, so even and
 * odd steps are picked by a matrix product with one-hot columns and put back by broadcasting.
 */
function pairs(g: Graph, w: number) {
  const pickEven = g.constant([1, 0], [2, 1]);
  const pickOdd = g.constant([0, 1], [2, 1]);
  const asEven = g.constant([1, 0], [1, 2, 1]);
  const asOdd = g.constant([0, 1], [1, 2, 1]);
  return {
    /** [M, W] → steps 0, 2, 4, … and steps 1, 3, 5, …, each [M/2, W]. */
    split(x: Value, m: number): [Value, Value] {
      const byPair = g.transpose(g.reshape(x, [m / 2, 2, w]), [0, 2, 1]); // [M/2, W, 2]
      return [g.reshape(g.matmul(byPair, pickEven), [m / 2, w]), g.reshape(g.matmul(byPair, pickOdd), [m / 2, w])];
    },
    /** The inverse: evens and odds, each [M/2, W], back into [M, W]. */
    interleave(even: Value, odd: Value, m: number): Value {
      const e = g.mul(g.reshape(even, [m / 2, 1, w]), asEven);
      const o = g.mul(g.reshape(odd, [m / 2, 1, w]), asOdd);
      return g.reshape(g.add(e, o), [m, w]);
    }
  };
}

/**
 * The state just before each step, x_{t−1} (zero before step 0), for M = 2^k steps. Up: combine
 * the steps in pairs (2i, 2i+1) and solve the half-length problem for the pairs; down: the state
 * before pair i is the state before its even step, and one even step later comes its odd step.
 */
function statesBefore(g: Graph, p: ReturnType<typeof pairs>, steps: Steps, m: number, w: number): Value {
  if (m === 1) return g.constant(new Array(w).fill(0), [1, w]);
  const [evenA, oddA] = p.split(steps.a, m);
  const [evenB, oddB] = p.split(steps.b, m);
  const even = { a: evenA, b: evenB };
  const beforeEven = statesBefore(g, p, combine(g, even, { a: oddA, b: oddB }), m / 2, w);
  const beforeOdd = g.add(g.mul(even.a, beforeEven), even.b); // x_{2i} = a_{2i}·x_{2i−1} + b_{2i}
  return p.interleave(beforeEven, beforeOdd, m);
}

export async function parallelScan(x: ScanInputs, bRule: BRule): Promise<Tensor> {
  const [n, d] = x.u.shape;
  const ns = x.A.shape[1];
  const m = 2 ** Math.ceil(Math.log2(n));
  const g = onnx.graph();
  const u = g.input('u', [m, d]);
  const delta = g.input('delta', [m, d]);
  const A = g.input('A', [d, ns]);
  const B = g.input('B', [m, ns]);
  const C = g.input('C', [m, ns]);
  const skip = g.input('D', [d]);
  // 1. Discretise, materialised: [M, D, 1] against [1, D, N_s] and [M, 1, N_s] broadcast to [M, D, N_s].
  const dA = g.mul(g.reshape(delta, [m, d, 1]), g.reshape(A, [1, d, ns]));
  const a = g.exp(dA);
  const Bu = g.mul(g.reshape(u, [m, d, 1]), g.reshape(B, [m, 1, ns]));
  const b =
    bRule === 'zoh'
      ? g.mul(g.div(g.sub(a, g.constant(1)), g.reshape(A, [1, d, ns])), Bu)
      : g.mul(g.reshape(delta, [m, d, 1]), Bu);
  // 2. Scan over time, then one last step: x_t = ā_t·x_{t−1} + b̄u_t.
  const w = d * ns;
  const steps = { a: g.reshape(a, [m, w]), b: g.reshape(b, [m, w]) };
  const before = m === 1 ? g.constant(new Array(w).fill(0), [1, w]) : statesBefore(g, pairs(g, w), steps, m, w);
  const states = g.add(g.mul(steps.a, before), steps.b);
  // 3. Read out y_t = Σ_n C_t[n] x_t[n] + D ⊙ u_t.
  const cx = g.reduceSum(g.mul(g.reshape(states, [m, d, ns]), g.reshape(C, [m, 1, ns])), 2);
  const y = g.add(g.reshape(cx, [m, d]), g.mul(u, g.reshape(skip, [1, d])));
  g.output(y);
  const out = await onnx.run(g, {
    u: pad(x.u, m),
    delta: pad(x.delta, m),
    A: x.A,
    B: pad(x.B, m),
    C: pad(x.C, m),
    D: x.D ?? { shape: [d], data: new Float32Array(d) }
  });
  const full = out[y.name];
  return { shape: [n, d], data: full.data.slice(0, n * d) };
}

/** Zero rows after row N, up to M rows. */
function pad(t: Tensor, m: number): Tensor {
  const data = new Float32Array(m * t.shape[1]);
  data.set(t.data);
  return { shape: [m, t.shape[1]], data };
}
