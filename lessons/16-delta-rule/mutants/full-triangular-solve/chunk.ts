/**
 * The chunkwise delta rule (DeltaNet's "WY / UT transform", fla/ops/delta_rule) as an ONNX graph,
 * run by onnxruntime on the page's backend. Within a chunk of C tokens that starts from state S,
 *   T = (I + L)⁻¹ diag(β) with L = tril(diag(β) K Kᵀ, −1),   W = T K,   U = T V   (chunk-local)
 *   U' = U − W S,   O = Q S + tril(Q Kᵀ) U',   S ← S + Kᵀ U'                     (uses S)
 * Everything is a matmul, which is why GPUs train DeltaNet this way; only S passes from chunk to
 * chunk: T/C sequential steps instead of T. One graph call runs up to GROUP chunks in a row.
 */
import { onnx, type Graph, type Tensor, type Value } from 'lab';

const GROUP = 8; // chunks per onnxruntime call: each call has a fixed cost, so batch a few

/** One chunk: returns its outputs O and the state S after it. */
function chunkStep(g: Graph, C: number, S: Value, Q: Value, K: Value, V: Value, B: Value) {
  const zero = g.constant(0);
  const row = g.reshape(g.range(C), [C, 1]);
  const col = g.reshape(g.range(C), [1, C]);
  const eye = g.constant(
    Array.from({ length: C * C }, (_, x) => (x % (C + 1) === 0 ? 1 : 0)),
    [C, C]
  );

  // L = tril(diag(β) K Kᵀ, −1): strictly below the diagonal (column < row). B is a [C, 1]
  // column, so B ⊙ X scales row r of X by β_r.
  const L = g.where(g.less(col, row), g.mul(B, g.matmul(K, g.transpose(K))), zero);
  // (I + L)⁻¹ without a loop: L is strictly lower triangular, so L^C = 0 and
  // (I + L)⁻¹ = (I − L)(I + L²)(I + L⁴)… exactly, after ⌈log2 C⌉ factors.
  let power = g.mul(L, g.constant(-1)); // (−L)^p for p = 1, 2, 4, …
  let inv = g.add(eye, power);
  for (let p = 2; p < C; p *= 2) {
    power = g.matmul(power, power);
    inv = g.add(inv, g.matmul(inv, power));
  }
  const W = g.matmul(inv, g.mul(B, K)); // W = T K
  const U = g.matmul(inv, g.mul(B, V)); // U = T V

  // U' = U − W S: each row loses what the chunk-start state already returns for its key.
  const Ufix = g.sub(U, g.matmul(W, S));

  // O = Q S + tril(Q Kᵀ) U', diagonal included: token t sees its own write.
  const scores = g.where(g.less(row, col), zero, g.matmul(Q, g.transpose(K)));
  const O = g.add(g.matmul(Q, S), g.matmul(scores, Ufix));
  return { O, S: g.add(S, g.matmul(g.transpose(K), Ufix)) }; // S ← S + Kᵀ U'
}

/** A graph for `chunks` chunks in a row: inputs s and q0, k0, v0, beta0, q1, …; outputs o0, o1, …, s. */
function groupGraph(chunks: number, C: number, dk: number, dv: number) {
  const g = onnx.graph();
  let S = g.input('s', [dk, dv]);
  const outputs: Value[] = [];
  for (let c = 0; c < chunks; c++) {
    const step = chunkStep(
      g,
      C,
      S,
      g.input(`q${c}`, [C, dk]),
      g.input(`k${c}`, [C, dk]),
      g.input(`v${c}`, [C, dv]),
      g.input(`beta${c}`, [C, 1])
    );
    outputs.push(step.O);
    S = step.S;
  }
  for (const o of outputs) g.output(o);
  g.output(S);
  return { g, outputs, S };
}

/** Rows [start, start + C) of a [T, d] tensor, zero-padded past T (padding has β = 0: no write). */
function rows(x: Tensor, start: number, C: number): Tensor {
  const d = x.shape.length > 1 ? x.shape[1] : 1;
  const data = new Float32Array(C * d);
  data.set(x.data.subarray(start * d, Math.min(start + C, x.shape[0]) * d));
  return { shape: [C, d], data };
}

const graphs = new Map<string, ReturnType<typeof groupGraph>>(); // one graph (and session) per shape

/** Same inputs and output as deltaRule; chunkSize C may leave a shorter last chunk. */
export async function deltaRuleChunked(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, chunkSize = 64): Promise<Tensor> {
  const [T, dk] = q.shape;
  const dv = v.shape[1];
  const C = Math.max(chunkSize, T);
  let state: Tensor = { shape: [dk, dv], data: new Float32Array(dk * dv) };
  const out = new Float32Array(T * dv);
  for (let first = 0; first < T; first += GROUP * C) {
    const chunks = Math.min(GROUP, Math.ceil((T - first) / C));
    const key = `${chunks},${C},${dk},${dv}`;
    if (!graphs.has(key)) graphs.set(key, groupGraph(chunks, C, dk, dv));
    const { g, outputs, S } = graphs.get(key)!;
    const feeds: Record<string, Tensor> = { s: state };
    for (let c = 0; c < chunks; c++) {
      const start = first + c * C;
      Object.assign(feeds, {
        [`q${c}`]: rows(q, start, C),
        [`k${c}`]: rows(k, start, C),
        [`v${c}`]: rows(v, start, C),
        [`beta${c}`]: rows(beta, start, C)
      });
    }
    const result = await onnx.run(g, feeds);
    outputs.forEach((o, c) => {
      const start = first + c * C;
      out.set(result[o.name].data.subarray(0, (Math.min(start + C, T) - start) * dv), start * dv);
    });
    state = result[S.name];
  }
  return { shape: [T, dv], data: out };
}
