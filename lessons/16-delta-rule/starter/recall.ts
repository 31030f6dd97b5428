/**
 * A toy associative-recall task. Write n key→value pairs into the memory, then overwrite the
 * oldest quarter of the keys with new values, then ask for every key. Pair i is recalled when the
 * memory's answer is closer to key i's LATEST value than to any other value ever written (the
 * overwritten ones included). Keys and values are random unit vectors in d_k = d_v dimensions.
 */
import { tensors, type Tensor } from 'lab';

/** Fraction of the keys written a second time, with a new value, before the queries. */
const OVERWRITE = 0.25;

export interface RecallTask {
  q: Tensor; // [T, dk]: zero on writes, the key asked for on queries
  k: Tensor; // [T, dk]: the key written, zero on queries
  v: Tensor; // [T, dv]
  beta: Tensor; // [T]: the write strength on writes, 0 on queries (a pure read)
  values: Tensor; // [number of values written, dv]: every candidate answer
  latest: number[]; // latest[i]: the row of `values` that key i should return
  firstQuery: number; // the last n tokens are the queries, in key order
}

/** Random unit vectors, one per row. */
function unitRows(rows: number, d: number, seed: number): Float32Array {
  const x = tensors.randn([rows, d], seed).data;
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let c = 0; c < d; c++) norm += x[r * d + c] ** 2;
    for (let c = 0; c < d; c++) x[r * d + c] /= Math.sqrt(norm);
  }
  return x;
}

export function recallTask(pairs: number, dk: number, beta: number, seed: number): RecallTask {
  const overwrites = Math.ceil(pairs * OVERWRITE);
  const writes = pairs + overwrites;
  const T = writes + pairs;
  const keys = unitRows(pairs, dk, seed);
  const values = unitRows(writes, dk, seed + 1);
  const q = new Float32Array(T * dk);
  const k = new Float32Array(T * dk);
  const v = new Float32Array(T * dk);
  const b = new Float32Array(T);
  const latest: number[] = [];
  for (let w = 0; w < writes; w++) {
    const key = w < pairs ? w : w - pairs; // writes pairs..writes−1 overwrite keys 0, 1, …
    k.set(keys.subarray(key * dk, (key + 1) * dk), w * dk);
    v.set(values.subarray(w * dk, (w + 1) * dk), w * dk);
    b[w] = beta;
    latest[key] = w;
  }
  for (let i = 0; i < pairs; i++) q.set(keys.subarray(i * dk, (i + 1) * dk), (writes + i) * dk);
  return {
    q: tensors.from([T, dk], q),
    k: tensors.from([T, dk], k),
    v: tensors.from([T, dk], v),
    beta: tensors.from([T], b),
    values: tensors.from([writes, dk], values),
    latest,
    firstQuery: writes
  };
}

/** Fraction of keys whose answer (row firstQuery + i of o) is nearest to their latest value. */
export function recallAccuracy(o: Tensor, task: RecallTask): number {
  const [count, d] = task.values.shape;
  let correct = 0;
  for (let i = 0; i < task.latest.length; i++) {
    const row = (task.firstQuery + i) * d;
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < count; c++) {
      let score = 0;
      for (let j = 0; j < d; j++) score += o.data[row + j] * task.values.data[c * d + j];
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    if (best === task.latest[i]) correct++;
  }
  return correct / task.latest.length;
}
