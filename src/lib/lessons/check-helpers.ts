/** Small tools for writing checks whose messages tell the learner what to do. */
import type { Tensor as F64Tensor } from '$lib/kernels';
import type { CheckOutcome, LessonContext } from './types';

export class CheckFailure extends Error {}

/** The learner's exported function, or a failure that says what main.ts must export. */
export function learnerFunction<F extends (...args: never[]) => unknown>(
  ctx: LessonContext,
  name: string,
  signature: string
): F {
  const f = ctx.learner[name];
  if (typeof f !== 'function') {
    throw new CheckFailure(`main.ts must export a function ${signature}`);
  }
  return f as F;
}

/**
 * Run a check body, turning a CheckFailure into a failing outcome. Errors thrown by the learner's
 * code propagate: the runner fails the check with them and shows them located in the code.
 */
export async function outcome(body: () => Promise<CheckOutcome> | CheckOutcome): Promise<CheckOutcome> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof CheckFailure) return { pass: false, message: e.message };
    throw e;
  }
}

/** A float64 reference tensor from float32 learner inputs. */
export function toF64(t: { shape: readonly number[]; data: ArrayLike<number> }): F64Tensor {
  return { shape: [...t.shape], data: Float64Array.from(t.data) };
}

export function isTensor(x: unknown): x is { shape: number[]; data: Float32Array } {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as { shape?: unknown }).shape) &&
    (x as { data?: unknown }).data instanceof Float32Array
  );
}
