// Small builders shared by the kernel tests (not a test file itself: vitest only collects *.test.ts).
import { randn, tensor, uniform, type Tensor } from '$lib/kernels/tensor';

/** A [rows, cols] tensor from nested arrays, so hand-made cases read like the maths. */
export function matrix(rows: number[][]): Tensor {
  const cols = rows.length > 0 ? rows[0].length : 0;
  return tensor([rows.length, cols], rows.flat());
}

export function vector(values: number[]): Tensor {
  return tensor([values.length], values);
}

/** Row `i` of a rank-2 tensor, or element [h, i, :] of a rank-3 one, as a plain array. */
export function row(t: Tensor, ...index: number[]): number[] {
  const width = t.shape[t.shape.length - 1];
  let flat = 0;
  for (let axis = 0; axis < index.length; axis++) flat = flat * t.shape[axis] + index[axis];
  return Array.from(t.data.subarray(flat * width, (flat + 1) * width));
}

/** Rows scaled to unit L2 norm, as DeltaNet normalises its keys. */
export function l2NormaliseRows(t: Tensor): Tensor {
  const [rows, cols] = t.shape;
  const out = tensor(t.shape, t.data);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let c = 0; c < cols; c++) norm += out.data[r * cols + c] ** 2;
    norm = Math.sqrt(norm);
    for (let c = 0; c < cols; c++) out.data[r * cols + c] /= norm;
  }
  return out;
}

/** Random q, k, v for the linear-attention family; the seed offsets keep the three independent. */
export function randomQkv(T: number, dk: number, dv: number, seed: number): { q: Tensor; k: Tensor; v: Tensor } {
  return { q: randn([T, dk], seed), k: randn([T, dk], seed + 1000), v: randn([T, dv], seed + 2000) };
}

export function randomLogDecay(T: number, seed: number, strongest = -1): Tensor {
  return uniform([T], seed, strongest, 0);
}

export function allFinite(t: Tensor): boolean {
  return t.data.every((x) => Number.isFinite(x));
}
