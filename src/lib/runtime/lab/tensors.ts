/**
 * Float32 tensors for learner code: seeded random inputs and tolerant comparisons whose messages
 * say where the first mismatch is, in the tensor's own rows and columns.
 */
import type { Comparison, Tensor } from 'lab';
import { mulberry32 } from '$lib/kernels/tensor';

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkShape(shape: readonly number[]): void {
  if (!shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new Error(`a shape must be non-negative integers, got [${shape.join(', ')}]`);
  }
}

export function zeros(shape: readonly number[]): Tensor {
  checkShape(shape);
  return { shape: [...shape], data: new Float32Array(size(shape)) };
}

export function from(shape: readonly number[], values: ArrayLike<number>): Tensor {
  checkShape(shape);
  if (values.length !== size(shape)) {
    throw new Error(`shape [${shape.join(', ')}] holds ${size(shape)} values, but ${values.length} were given`);
  }
  return { shape: [...shape], data: Float32Array.from(values) };
}

export function randn(shape: readonly number[], seed = 1): Tensor {
  const t = zeros(shape);
  const r = mulberry32(seed);
  for (let i = 0; i < t.data.length; i += 2) {
    // Box–Muller: two uniforms give two independent normals.
    const u = Math.max(r(), 1e-12);
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    t.data[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < t.data.length) t.data[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return t;
}

function where(shape: readonly number[], index: number): string {
  if (shape.length === 2) return `row ${Math.floor(index / shape[1])}, column ${index % shape[1]}`;
  if (shape.length <= 1) return `element ${index}`;
  const coords: number[] = [];
  let rest = index;
  for (let i = shape.length - 1; i >= 0; i--) {
    coords.unshift(rest % shape[i]);
    rest = Math.floor(rest / shape[i]);
  }
  return `element [${coords.join(', ')}]`;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(6).replace(/\.?0+$/, '') : String(x));

export function compare(
  actual: Tensor,
  expected: { shape: readonly number[]; data: ArrayLike<number> },
  tolerance: { atol?: number; rtol?: number } = {}
): Comparison {
  const atol = tolerance.atol ?? 1e-5;
  const rtol = tolerance.rtol ?? 1e-4;
  const sameShape =
    actual.shape.length === expected.shape.length && actual.shape.every((s, i) => s === expected.shape[i]);
  if (!sameShape || actual.data.length !== expected.data.length) {
    return {
      ok: false,
      maxAbsError: Infinity,
      maxRelError: Infinity,
      firstMismatch: 0,
      message: `expected shape [${expected.shape.join(', ')}], got [${actual.shape.join(', ')}]`
    };
  }
  let maxAbs = 0;
  let maxRel = 0;
  let first = -1;
  for (let i = 0; i < actual.data.length; i++) {
    const a = actual.data[i];
    const e = expected.data[i];
    const diff = Math.abs(a - e);
    const bad = !(diff <= atol + rtol * Math.abs(e)); // NaN counts as a mismatch
    if (bad && first < 0) first = i;
    if (!(diff <= maxAbs)) maxAbs = Number.isNaN(diff) ? Infinity : diff;
    const rel = diff / Math.max(Math.abs(e), 1e-30);
    if (!(rel <= maxRel)) maxRel = Number.isNaN(rel) ? Infinity : rel;
  }
  const ok = first < 0;
  const message = ok
    ? `all ${actual.data.length} values within atol ${atol} + rtol ${rtol} (max abs error ${fmt(maxAbs)})`
    : `${where(actual.shape, first)} differs: got ${fmt(actual.data[first])}, expected ${fmt(expected.data[first])}` +
      ` (max abs error ${fmt(maxAbs)}; tolerance atol ${atol} + rtol ${rtol})`;
  return { ok, maxAbsError: maxAbs, maxRelError: maxRel, firstMismatch: first, message };
}
