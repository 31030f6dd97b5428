/**
 * Float64 references for lesson 15, from the shared kernel registry (src/lib/kernels):
 * - the recurrence: Mamba's selective scan (`selective_scan`, state-spaces/mamba's
 *   selective_scan_ref) with the scalar A of each head repeated over its P channels and N_s
 *   states; exactly the SSM that ssd_minimal_discrete computes in chunks (Euler step for B);
 * - gated linear attention (`gated_linear_attention`, lesson 13) for one head;
 * - the diagonal blocks alone (what SSD gives when no state crosses a chunk boundary): gated
 *   linear attention run on each chunk separately, to recognise a missing step 3.
 * The registry has no SSD entry of its own; the lesson's point is that it needs none.
 */
import { runKernel, tensor, type Tensor as F64 } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };

const toF64 = (x: T) => tensor([...x.shape], x.data);

/** y [L, H, P] of the recurrence h_t = e^{Δ_t A_h} h_{t−1} + Δ_t x_t B_tᵀ, y_t = h_t C_t. */
export function recurrence(x: T, dt: T, A: T, B: T, C: T): F64 {
  const [L, H, P] = x.shape;
  const N = B.shape[1];
  const delta = new Float64Array(L * H * P);
  for (let t = 0; t < L; t++) for (let c = 0; c < H * P; c++) delta[t * H * P + c] = dt.data[t * H + Math.floor(c / P)];
  const a = new Float64Array(H * P * N);
  for (let c = 0; c < H * P; c++) a.fill(A.data[Math.floor(c / P)], c * N, (c + 1) * N);
  const { y } = runKernel('selective_scan', {
    u: { shape: [L, H * P], data: Float64Array.from(x.data) },
    delta: { shape: [L, H * P], data: delta },
    A: { shape: [H * P, N], data: a },
    B: toF64(B),
    C: toF64(C)
  });
  return { shape: [L, H, P], data: y.data };
}

/** Lesson 13's layer for one head (scale 1: SSD has no 1/√d). */
export function gla(q: T, k: T, v: T, g: T): F64 {
  return runKernel('gated_linear_attention', { q: toF64(q), k: toF64(k), v: toF64(v), g: toF64(g) }).o;
}

/** Head h as gated linear attention: q = C, k = B, v = Δ·x, g = Δ·A (float64). */
export function glaInputs(x: T, dt: T, A: T, B: T, C: T, h: number) {
  const [L, H, P] = x.shape;
  const v = new Float64Array(L * P);
  const g = new Float64Array(L);
  for (let t = 0; t < L; t++) {
    g[t] = dt.data[t * H + h] * A.data[h];
    for (let p = 0; p < P; p++) v[t * P + p] = dt.data[t * H + h] * x.data[(t * H + h) * P + p];
  }
  return { q: toF64(C), k: toF64(B), v: { shape: [L, P], data: v }, g: { shape: [L], data: g } };
}

/** Step 1 only: every chunk starts from a zero state. */
export function diagonalBlocksOnly(x: T, dt: T, A: T, B: T, C: T, chunk: number): F64 {
  const [L, H, P] = x.shape;
  const out = new Float64Array(L * H * P);
  for (let h = 0; h < H; h++) {
    const { q, k, v, g } = glaInputs(x, dt, A, B, C, h);
    for (let start = 0; start < L; start += chunk) {
      const end = Math.min(start + chunk, L);
      const rows = (t: F64, w: number): F64 => ({
        shape: w ? [end - start, w] : [end - start],
        data: t.data.slice(start * (w || 1), end * (w || 1))
      });
      const o = runKernel('gated_linear_attention', {
        q: rows(q, q.shape[1]),
        k: rows(k, k.shape[1]),
        v: rows(v, P),
        g: rows(g, 0)
      }).o;
      for (let t = start; t < end; t++)
        for (let p = 0; p < P; p++) out[(t * H + h) * P + p] = o.data[(t - start) * P + p];
    }
  }
  return { shape: [L, H, P], data: out };
}
