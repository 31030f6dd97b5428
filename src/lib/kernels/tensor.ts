// Tensors for the float64 reference kernels: a shape plus a flat row-major Float64Array.
// Cost: allocation and the helpers below are O(size); nothing here is on a hot path.
// This is the base layer; every reference kernel builds on it. float64 (not float32) is
// deliberate: the references are the yardstick that faster float32 / WGSL versions are
// checked against, so their own rounding error should be negligible by comparison.

export interface Tensor {
  shape: number[];
  data: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const dim of shape) n *= dim;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Builds a tensor; without `data` it is filled with zeros. The data is copied. */
export function tensor(shape: number[], data?: ArrayLike<number>): Tensor {
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new Error(`tensor: shape ${formatShape(shape)} must contain non-negative integers`);
    }
  }
  const size = sizeOf(shape);
  if (data === undefined) return { shape: [...shape], data: new Float64Array(size) };
  if (data.length !== size) {
    throw new Error(`tensor: shape ${formatShape(shape)} needs ${size} values but ${data.length} were given`);
  }
  return { shape: [...shape], data: Float64Array.from(data) };
}

export function zeros(shape: number[]): Tensor {
  return tensor(shape);
}

/**
 * mulberry32: a tiny 32-bit seeded generator returning floats in [0, 1).
 * Math.random cannot be seeded, and tests and lesson fixtures must be reproducible.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples via Box–Muller, two per pair of uniforms. */
export function randn(shape: number[], seed: number): Tensor {
  const rng = mulberry32(seed);
  const out = tensor(shape);
  for (let i = 0; i < out.data.length; i += 2) {
    // 1 − u lies in (0, 1], so the log below never sees 0.
    const radius = Math.sqrt(-2 * Math.log(1 - rng()));
    const angle = 2 * Math.PI * rng();
    out.data[i] = radius * Math.cos(angle);
    if (i + 1 < out.data.length) out.data[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/** Uniform samples in [low, high): handy for gates such as β ∈ (0, 1) or log decays g ≤ 0. */
export function uniform(shape: number[], seed: number, low = 0, high = 1): Tensor {
  const rng = mulberry32(seed);
  const out = tensor(shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = low + (high - low) * rng();
  return out;
}

/**
 * Largest |a_i − b_i|. Shapes must match exactly. Any NaN yields NaN, so a comparison
 * such as `maxAbsDiff(a, b) < 1e-10` fails instead of silently skipping the NaN.
 */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (formatShape(a.shape) !== formatShape(b.shape)) {
    throw new Error(`maxAbsDiff: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} differ`);
  }
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) {
    const diff = Math.abs(a.data[i] - b.data[i]);
    if (Number.isNaN(diff)) return NaN;
    if (diff > worst) worst = diff;
  }
  return worst;
}
