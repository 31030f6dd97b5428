/**
 * What lesson 17's structural checks read from the probes: how many times the ONNX dual form's
 * graphs updated the inner model W, and how many bytes the WebGPU kernel's buffers hold beyond
 * the inputs, the outputs and the in-batch scores (its state, which must not grow with N).
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

/**
 * Bytes of every buffer of a WebGPU probe beyond q, k ([T, dk]), v, z ([T, dv]), η ([T]) and the
 * in-batch scores ([T, b]): the uniform, plus whatever state the kernel keeps in storage.
 */
export function stateBytes(record: ProbeRecord, T: number, dk: number, dv: number, b: number): number {
  const io = 4 * T * (2 * dk + 2 * dv + 1 + b);
  return record.allocations.reduce((a, x) => a + x.bytes, 0) - io;
}
