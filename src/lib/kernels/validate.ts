// Shape and option checks shared by the reference kernels and the registry.
// Cost: O(rank) per check, plus O(size) for the element checks on gates.
// The kernels call these themselves, so a direct call is as well guarded as one through
// runKernel. Messages name the kernel and the tensor, because learners read them in the
// playground and should be able to fix their input from the message alone.

import { formatShape, sizeOf, type Tensor } from './tensor';

function isTensor(value: unknown): value is Tensor {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { shape?: unknown; data?: unknown };
  return Array.isArray(candidate.shape) && candidate.data instanceof Float64Array;
}

/**
 * Checks that `value` is a well-formed tensor whose rank matches `dims` (names such as
 * ['T', 'd'], used only in the message) and returns its shape.
 */
export function expectShape(kernel: string, name: string, value: unknown, dims: string[]): number[] {
  const wanted = `[${dims.join(',')}]`;
  if (!isTensor(value)) {
    throw new Error(`${kernel}: ${name} must be a tensor { shape, data: Float64Array } of shape ${wanted}`);
  }
  const { shape, data } = value;
  if (!shape.every((dim) => Number.isInteger(dim) && dim >= 0)) {
    throw new Error(`${kernel}: ${name} has shape ${formatShape(shape)}; dimensions must be non-negative integers`);
  }
  if (shape.length !== dims.length) {
    throw new Error(
      `${kernel}: ${name} must have shape ${wanted} (rank ${dims.length}) but has shape ${formatShape(shape)}`
    );
  }
  if (data.length !== sizeOf(shape)) {
    throw new Error(
      `${kernel}: ${name} has shape ${formatShape(shape)}, which needs ${sizeOf(shape)} values, but its data holds ${data.length}`
    );
  }
  return shape;
}

function axisWord(shape: readonly number[], axis: number): string {
  if (axis === shape.length - 1) return 'last';
  return ['first', 'second', 'third'][axis] ?? `axis-${axis}`;
}

/** Checks that a.shape[axisA] equals b.shape[axisB]; `label` names the dimension (e.g. 'd'). */
export function expectSameDim(
  kernel: string,
  nameA: string,
  a: Tensor,
  axisA: number,
  nameB: string,
  b: Tensor,
  axisB: number,
  label: string
): void {
  if (a.shape[axisA] === b.shape[axisB]) return;
  const wordA = axisWord(a.shape, axisA);
  const wordB = axisWord(b.shape, axisB);
  const which =
    wordA === wordB
      ? `their ${wordA} dimensions (${label}) must match`
      : `${nameA}'s ${wordA} dimension and ${nameB}'s ${wordB} dimension (${label}) must match`;
  throw new Error(
    `${kernel}: ${nameA} has shape ${formatShape(a.shape)} but ${nameB} has shape ${formatShape(b.shape)}; ${which}`
  );
}

/** For sizes such as chunkSize, blockSize or window: a zero or fractional size would loop forever or mean nothing. */
export function expectPositiveInteger(kernel: string, option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${kernel}: option ${option} must be a positive integer but is ${value}`);
  }
  return value;
}

export function expectFiniteNumber(kernel: string, option: string, value: number): number {
  if (!Number.isFinite(value)) {
    throw new Error(`${kernel}: option ${option} must be a finite number but is ${value}`);
  }
  return value;
}

/** Checks a user-supplied form name against the forms a kernel implements. */
export function expectForm<F extends string>(kernel: string, value: string, forms: readonly F[]): F {
  const match = forms.find((form) => form === value);
  if (match === undefined) {
    throw new Error(`${kernel}: option form must be one of ${forms.map((f) => `'${f}'`).join(', ')} but is '${value}'`);
  }
  return match;
}

/**
 * Reads untyped options (as the playground sends them) with loose type checks.
 * Unknown keys are rejected: a misspelt `chunksize` silently falling back to the
 * default would make a lesson's chart quietly wrong.
 */
export class OptionReader {
  constructor(
    private readonly kernel: string,
    private readonly options: Record<string, unknown>,
    allowed: readonly string[]
  ) {
    for (const key of Object.keys(options)) {
      if (options[key] !== undefined && !allowed.includes(key)) {
        const list = allowed.length > 0 ? allowed.join(', ') : 'none';
        throw new Error(`${kernel}: unknown option '${key}'; allowed options: ${list}`);
      }
    }
  }

  number(key: string): number | undefined {
    const value = this.options[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number') {
      throw new Error(`${this.kernel}: option ${key} must be a number but is ${typeof value}`);
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.options[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      throw new Error(`${this.kernel}: option ${key} must be a boolean but is ${typeof value}`);
    }
    return value;
  }

  form<F extends string>(forms: readonly F[]): F | undefined {
    const value = this.options.form;
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      throw new Error(`${this.kernel}: option form must be a string but is ${typeof value}`);
    }
    return expectForm(this.kernel, value, forms);
  }
}
