/**
 * What lesson 17's structural check reads from a probe of the ONNX dual form: how many times the
 * graphs updated the inner model W.
 */
import type { ProbeRecord } from '$lib/lessons/types';

/**
 * The updates of W a probe's graphs computed: d_k×d_v values that are neither inputs, constants
 * nor matmul products (Kᵀ G is a d_k×d_v matmul; the update is what subtracts it from W₀).
 */
export function weightUpdates(record: ProbeRecord, dk: number, dv: number): number {
  let n = 0;
  for (const g of record.graphs) {
    const inputs = new Set(g.inputs.map((x) => x.name));
    for (const x of g.values) {
      const weights = x.shape.length === 2 && x.shape[0] === dk && x.shape[1] === dv;
      if (weights && !inputs.has(x.name) && !/^(matmul|const)_/.test(x.name)) n++;
    }
  }
  return n;
}
