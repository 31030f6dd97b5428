/**
 * Lesson 22: Mamba on images. Patchify an image into a grid of tokens, then run lesson 14's
 * selective scan over them in more than one order: Vim's bidirectional scan (forward, and forward
 * over the reversed tokens) and VMamba's cross-scan (four paths over the grid, merged back).
 * The scan itself is lesson 14's kernel, handed in as `scan` (WGSL on WebGPU, a TypeScript loop on
 * WASM). Everything here is index arithmetic: O(n·d) work and memory for n tokens, never n×n.
 */
import { tensors, type Tensor } from 'lab';

/** One sequence for the selective scan: u, delta [n, D]; A [D, N_s]; B, C [n, N_s]; D [D]. */
export interface ScanInputs {
  u: Tensor;
  delta: Tensor;
  A: Tensor;
  B: Tensor;
  C: Tensor;
  D?: Tensor;
}

/** Lesson 14's selective scan over the tokens in the order given: y [n, D]. */
export type Scan = (x: ScanInputs) => Promise<Tensor>;

/** Rows of t ([n, d]) in a new order: row i of the result is row order[i] of t. */
export function gather(t: Tensor, order: readonly number[]): Tensor {
  const d = t.shape[1];
  const out = tensors.zeros([order.length, d]);
  order.forEach((from, i) => out.data.set(t.data.subarray(from * d, from * d + d), i * d));
  return out;
}

/** Element-wise sum of two tensors of the same shape. */
function add(a: Tensor, b: Tensor): Tensor {
  const out = tensors.zeros(a.shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i] + b.data[i];
  return out;
}

/** The patches an H×W image gives with p×p patches; an edge strip narrower than p is dropped. */
export function patchCount(H: number, W: number, p: number): number {
  return Math.floor(H / p) * Math.floor(W / p);
}

/**
 * image [H, W, C] → tokens [patchCount, p·p·C]. Patch (i, j) of the grid is token i·cols + j
 * (row-major), and its pixel (y, x, c) is element (y·p + x)·C + c of that token.
 */
export function patchify(image: Tensor, p: number): Tensor {
  const [H, W, C] = image.shape;
  const cols = Math.floor(W / p);
  const n = patchCount(H, W, p);
  const out = tensors.zeros([n, p * p * C]);
  for (let token = 0; token < n; token++) {
    const [i, j] = [Math.floor(token / cols), token % cols];
    for (let y = 0; y < p; y++) {
      // One row of the patch is p·C contiguous values of the image.
      const from = ((i * p + y) * W + j * p) * C;
      out.data.set(image.data.subarray(from, from + p * C), (token * p + y) * p * C);
    }
  }
  return out;
}

/**
 * Path k over a rows×cols grid stored row-major: element i is the grid index (r·cols + c) of the
 * i-th token visited. k = 0 row-major, 1 column-major, 2 and 3 the same two reversed.
 */
export function scanOrder(rows: number, cols: number, k: number): number[] {
  const order: number[] = [];
  if (k % 2 === 0) {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) order.push(r * cols + c);
  } else {
    for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) order.push(r * cols + c);
  }
  return k >= 2 ? order.reverse() : order;
}

/** x [n, d] in grid order → [4, n, d]: the tokens along each of the four paths. */
export function crossScan(x: Tensor, rows: number, cols: number): Tensor {
  const [n, d] = x.shape;
  const out = tensors.zeros([4, n, d]);
  for (let k = 0; k < 4; k++) out.data.set(gather(x, scanOrder(rows, cols, k)).data, k * n * d);
  return out;
}

/**
 * y [4, n, d], one sequence per path → [n, d] in grid order: each path's token i goes back to the
 * grid cell it was read from, and the four paths are summed.
 */
export function crossMerge(y: Tensor, rows: number, cols: number): Tensor {
  const [, n, d] = y.shape;
  const out = tensors.zeros([n, d]);
  for (let k = 0; k < 4; k++) {
    for (let i = 0; i < n; i++) {
      const step = k >= 2 ? n - 1 - i : i; // position along the unreversed path
      // Row-major: step = r·cols + c. Column-major: step = c·rows + r.
      const [r, c] = k % 2 === 0 ? [Math.floor(step / cols), step % cols] : [step % rows, Math.floor(step / rows)];
      const cell = r * cols + c;
      for (let e = 0; e < d; e++) out.data[cell * d + e] += y.data[(k * n + i) * d + e];
    }
  }
  return out;
}

/** The per-token inputs of a scan (u, delta, B, C) reordered; A and D belong to channels and stay. */
function reorder(x: ScanInputs, order: readonly number[]): ScanInputs {
  return { ...x, u: gather(x.u, order), delta: gather(x.delta, order), B: gather(x.B, order), C: gather(x.C, order) };
}

/** Vim: y = scan(x) + reversed(scan(reversed x)), two scans over the n tokens. */
export async function bidirectional(x: ScanInputs, scan: Scan): Promise<Tensor> {
  const n = x.u.shape[0];
  const reversed = Array.from({ length: n }, (_, i) => n - 1 - i);
  const forward = await scan(x);
  const backward = await scan(reorder(x, reversed));
  return add(forward, gather(backward, reversed));
}

/** VMamba's SS2D on a rows×cols grid of tokens: scan along each of the four paths, merge back. */
export async function ss2d(x: ScanInputs, rows: number, cols: number, scan: Scan): Promise<Tensor> {
  const [n, d] = x.u.shape;
  const paths = tensors.zeros([4, n, d]);
  for (let k = 0; k < 4; k++) paths.data.set((await scan(reorder(x, scanOrder(rows, cols, k)))).data, k * n * d);
  return crossMerge(paths, rows, cols);
}
