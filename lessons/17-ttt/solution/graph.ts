/**
 * Mini-batch TTT-Linear in the dual form as ONNX graphs, run by onnxruntime on the page's backend.
 * For one mini-batch (b rows of Q, K, V and η) starting from weights W₀:
 *   G = η ⊙ (K W₀ − V),   Z = Q W₀ − tril(Q Kᵀ) G,   W ← W₀ − Kᵀ G
 * Five matmuls and no loop inside the batch: that is what mini-batches buy. Only W passes from batch
 * to batch. One graph call runs up to GROUP mini-batches in a row.
 */
import { onnx, type Tensor, type Value } from 'lab';

const GROUP = 8; // mini-batches per onnxruntime call (each call, and each input, has a fixed cost)

/** A graph for `batches` mini-batches in a row: inputs w, q0, k0, v0, eta0, q1, …; outputs z0, …, w. */
function groupGraph(batches: number, b: number, dk: number, dv: number) {
  const g = onnx.graph();
  const zero = g.constant(0);
  const row = g.reshape(g.range(b), [b, 1]);
  const col = g.reshape(g.range(b), [1, b]);
  const later = g.less(row, col); // s > t: steps token t has not taken yet
  let W = g.input('w', [dk, dv]);
  const outputs: Value[] = [];
  for (let c = 0; c < batches; c++) {
    const Q = g.input(`q${c}`, [b, dk]);
    const K = g.input(`k${c}`, [b, dk]);
    const V = g.input(`v${c}`, [b, dv]);
    const E = g.input(`eta${c}`, [b, 1]);
    const G = g.mul(E, g.sub(g.matmul(K, W), V)); // every gradient at the batch-start W₀
    const scores = g.where(later, zero, g.matmul(Q, g.transpose(K))); // tril(Q Kᵀ), diagonal kept
    outputs.push(g.sub(g.matmul(Q, W), g.matmul(scores, G)));
    W = g.sub(W, g.matmul(g.transpose(K), G));
  }
  for (const z of outputs) g.output(z);
  g.output(W);
  return { g, outputs, W };
}

/** Rows [start, start + b) of a [T, d] tensor, zero-padded past T (padding has η = 0: no step). */
function rows(x: Tensor, start: number, b: number): Tensor {
  const d = x.shape.length > 1 ? x.shape[1] : 1;
  const data = new Float32Array(b * d);
  data.set(x.data.subarray(start * d, Math.min(start + b, x.shape[0]) * d));
  return { shape: [b, d], data };
}

const graphs = new Map<string, ReturnType<typeof groupGraph>>(); // one graph (and session) per shape

/** Same inputs and output as ttt. */
export async function tttGraph(q: Tensor, k: Tensor, v: Tensor, eta: Tensor, b: number): Promise<Tensor> {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  let weights: Tensor = { shape: [dk, dv], data: new Float32Array(dk * dv) };
  const out = new Float32Array(T * dv);
  for (let first = 0; first < T; first += GROUP * b) {
    const batches = Math.min(GROUP, Math.ceil((T - first) / b));
    const key = `${batches},${b},${dk},${dv}`;
    if (!graphs.has(key)) graphs.set(key, groupGraph(batches, b, dk, dv));
    const { g, outputs, W } = graphs.get(key)!;
    const feeds: Record<string, Tensor> = { w: weights };
    for (let c = 0; c < batches; c++) {
      const start = first + c * b;
      Object.assign(feeds, {
        [`q${c}`]: rows(q, start, b),
        [`k${c}`]: rows(k, start, b),
        [`v${c}`]: rows(v, start, b),
        [`eta${c}`]: rows(eta, start, b)
      });
    }
    const result = await onnx.run(g, feeds);
    outputs.forEach((z, c) => {
      const start = first + c * b;
      out.set(result[z.name].data.subarray(0, (Math.min(start + b, T) - start) * dv), start * dv);
    });
    weights = result[W.name];
  }
  return { shape: [T, dv], data: out };
}
