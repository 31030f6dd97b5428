/**
 * Inputs and probe readers for lesson 16's checks: DeltaNet's inputs (unit keys, β in (0, 1)),
 * orthonormal keys for the overwrite test, and the count of d_k×d_v states a chunkwise run computed.
 */
import { uniform } from '$lib/kernels';
import type { LessonContext, ProbeRecord } from '$lib/lessons/types';

/** Inputs as DeltaNet uses them: unit-norm keys (L2-normalised), β ∈ (0.05, 0.95). */
export function inputs(ctx: LessonContext, T: number, dk: number, dv: number, seed: number) {
  const { tensors } = ctx.lab;
  const k = tensors.randn([T, dk], seed + 1);
  for (let t = 0; t < T; t++) {
    const row = k.data.subarray(t * dk, (t + 1) * dk);
    const norm = Math.hypot(...row);
    for (let i = 0; i < dk; i++) row[i] /= norm;
  }
  return {
    q: tensors.randn([T, dk], seed),
    k,
    v: tensors.randn([T, dv], seed + 2),
    beta: tensors.from([T], uniform([T], seed + 3, 0.05, 0.95).data)
  };
}

/** Orthonormal rows (Gram–Schmidt on random vectors, in float64). */
export function orthonormal(ctx: LessonContext, rows: number, d: number, seed: number): Float64Array {
  const x = Float64Array.from(ctx.lab.tensors.randn([rows, d], seed).data);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < r; p++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += x[r * d + c] * x[p * d + c];
      for (let c = 0; c < d; c++) x[r * d + c] -= dot * x[p * d + c];
    }
    let norm = 0;
    for (let c = 0; c < d; c++) norm += x[r * d + c] ** 2;
    for (let c = 0; c < d; c++) x[r * d + c] /= Math.sqrt(norm);
  }
  return x;
}

/**
 * The d_k×d_v states a probe's graphs computed: values of that shape that are neither inputs,
 * constants nor matmul products (K^T U' is a d_k×d_v matmul; the state is what it is added to).
 */
export function stateCount(record: ProbeRecord, dk: number, dv: number): number {
  let n = 0;
  for (const g of record.graphs) {
    const inputs = new Set(g.inputs.map((x) => x.name));
    for (const x of g.values) {
      const state = x.shape.length === 2 && x.shape[0] === dk && x.shape[1] === dv;
      if (state && !inputs.has(x.name) && !/^(matmul|const)_/.test(x.name)) n++;
    }
  }
  return n;
}
