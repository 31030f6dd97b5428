/**
 * KV rows read by one call of the learner's NSA, from the probe's record (never from a formula):
 * on WebGPU the reads of k, v and kvc (compressed key and value side by side) that an
 * instrumented copy of nsa.wgsl counts (one vec4
 * read is 4 floats); on WASM the rows of the key and value inputs sent to onnxruntime (ks, kw:
 * the gathered selected and window keys; kc: the compressed keys). A row of k with its row of v
 * is one token read. Cost: a walk over the record.
 */
import { reads } from '$lib/lessons/kit';
import type { LessonContext, ProbeRecord } from '$lib/lessons/types';

export interface Counted {
  /** Rows of the compressed keys (and, on WebGPU, of the compressed values) read. */
  compressed: number;
  /** Rows of k read by the selected and window branches together. */
  keys: number;
  /** Rows of v read (WebGPU) or sent (WASM). */
  values: number;
  compressedValues: number;
  /** compressed + keys: the KV tokens read. */
  total: number;
}

const inputElements = (record: ProbeRecord, names: string[]) =>
  record.graphs.reduce(
    (a, g) =>
      a + g.inputs.filter((x) => names.includes(x.name)).reduce((b, x) => b + x.shape.reduce((s, y) => s * y, 1), 0),
    0
  );

/** The counts, or null when the harness could not count the shader's reads. */
export function countReads(ctx: LessonContext, record: ProbeRecord, d: number, dv: number): Counted | null {
  if (ctx.backend === 'webgpu') {
    const rows = (name: string, width: number) => {
      const x = reads(record, name);
      return x === null ? null : (4 * x) / width;
    };
    // kvc holds each compressed block's key and value side by side: a row is d + dv floats.
    const [keys, values, compressed] = [rows('k', d), rows('v', dv), rows('kvc', d + dv)];
    if (keys === null || values === null || compressed === null) return null;
    return { compressed, keys, values, compressedValues: compressed, total: compressed + keys };
  }
  const keys = inputElements(record, ['ks', 'kw']) / d;
  const values = inputElements(record, ['vs', 'vw']) / dv;
  const compressed = inputElements(record, ['kc']) / d;
  const compressedValues = inputElements(record, ['vc']) / dv;
  return { compressed, keys, values, compressedValues, total: compressed + keys };
}
