/**
 * Float64 references for lesson 22, written independently of the learner's code:
 * - the patch grid of a stride-p patchify (whole patches only) and the patch tokens themselves;
 * - the four cross-scan paths of VMamba as explicit (row, column) walks;
 * - Vim's bidirectional scan and VMamba's SS2D, built on the registry's float64 `selective_scan`
 *   (state-spaces/mamba's selective_scan_ref convention: exact hold for A, Euler step for B).
 * All O(n·d) apart from the scan, which is O(n·D·N_s).
 */
import { runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };
type F64 = { shape: number[]; data: Float64Array };

export interface RefScanInputs {
  u: T;
  delta: T;
  A: T;
  B: T;
  C: T;
  D?: T;
}

export const PATH_NAMES = ['row-major', 'column-major', 'row-major reversed', 'column-major reversed'];

const toF64 = (t: T) => tensor([...t.shape], t.data);

/** Whole p×p patches of an H×W image: rows × cols of them. */
export function grid(H: number, W: number, p: number): { rows: number; cols: number } {
  return { rows: Math.floor(H / p), cols: Math.floor(W / p) };
}

/** image [H, W, C] → [rows·cols, p·p·C], patch (i, j) at row i·cols + j, pixel (y, x, c) at (y·p + x)·C + c. */
export function patchTokens(image: T, p: number): F64 {
  const [H, W, C] = image.shape;
  const { rows, cols } = grid(H, W, p);
  const out = tensor([rows * cols, p * p * C]);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      for (let y = 0; y < p; y++)
        for (let x = 0; x < p; x++)
          for (let c = 0; c < C; c++)
            out.data[((i * cols + j) * p * p + y * p + x) * C + c] = image.data[((i * p + y) * W + j * p + x) * C + c];
  return out;
}

/** Path k as a list of grid indices r·cols + c, walked cell by cell. */
export function path(rows: number, cols: number, k: number): number[] {
  const cells: [number, number][] = [];
  if (k === 0 || k === 2) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) cells.push([r, c]);
  else for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) cells.push([r, c]);
  if (k >= 2) cells.reverse();
  return cells.map(([r, c]) => r * cols + c);
}

/** Rows of t in the given order. */
export function rows(t: T, order: readonly number[]): F64 {
  const d = t.shape[1];
  const out = tensor([order.length, d]);
  order.forEach((from, i) => {
    for (let e = 0; e < d; e++) out.data[i * d + e] = t.data[from * d + e];
  });
  return out;
}

/** [n, d] → [4, n, d]: the tokens along each path. */
export function crossScanRef(x: T, r: number, c: number): F64 {
  const [n, d] = x.shape;
  const out = tensor([4, n, d]);
  for (let k = 0; k < 4; k++) out.data.set(rows(x, path(r, c, k)).data, k * n * d);
  return out;
}

/** The float64 selective scan of the tokens in the given order, its output returned in grid order. */
function scanAlong(x: RefScanInputs, order: readonly number[]): F64 {
  const y = runKernel('selective_scan', {
    u: rows(x.u, order),
    delta: rows(x.delta, order),
    A: toF64(x.A),
    B: rows(x.B, order),
    C: rows(x.C, order),
    ...(x.D ? { D: toF64(x.D) } : {})
  }).y;
  const back = tensor([...y.shape]);
  const d = y.shape[1];
  order.forEach((cell, i) => back.data.set(y.data.subarray(i * d, i * d + d), cell * d));
  return back;
}

const sum = (parts: F64[]) => {
  const out = tensor([...parts[0].shape]);
  for (const p of parts) p.data.forEach((v, i) => (out.data[i] += v));
  return out;
};

/** The forward scan alone. */
export function forwardRef(x: RefScanInputs): F64 {
  const n = x.u.shape[0];
  return scanAlong(
    x,
    Array.from({ length: n }, (_, i) => i)
  );
}

/** The backward scan alone, in token order (reversed(scan(reversed x))). */
export function backwardRef(x: RefScanInputs): F64 {
  const n = x.u.shape[0];
  return scanAlong(
    x,
    Array.from({ length: n }, (_, i) => n - 1 - i)
  );
}

/** Vim: forward + reversed(forward(reversed x)). */
export function bidirectionalRef(x: RefScanInputs): F64 {
  return sum([forwardRef(x), backwardRef(x)]);
}

/** VMamba SS2D: the four paths' scans, each mapped back to its grid cells, summed. */
export function ss2dRef(x: RefScanInputs, r: number, c: number): F64 {
  return sum([0, 1, 2, 3].map((k) => scanAlong(x, path(r, c, k))));
}
