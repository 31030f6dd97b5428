/**
 * Analytic memory of one prefill run of the NSA kernel (nsa.wgsl) for one head at the sweep's
 * shape and its scaled-down settings: Q, K, V and O (N×d float32 each), the compressed keys and
 * values (C = ⌊(N − l)/d⌋ + 1 rows each), the gates (N×3), the compressed scores of 256 queries at a
 * time (256×C) and the uniform. Everything grows like N; nothing is N×N.
 * FLOPs: per query, the visible compressed blocks (4·dk each, score and value), the selected keys
 * and the window (4·dk each), counted exactly from the read formula.
 */
import type { MemoryModel } from '$lib/lessons/types';
import { type NsaConfig, compressedCount, totalRowsRead } from './reference';

/** Head dimension of the timed sweep (d = dv): a small head, to fit CPU and SwiftShader. */
export const D = 16;
/** Head dimension of the decode-reads probe (the counts do not depend on it). */
export const D_PROBE = 8;
/**
 * The timed sweep's settings, the paper's scaled down by 2 (l = 16, d = 8, l' = 32) and n, w
 * scaled further (n = 8, w = 128) so that the selection and the window matter below N = 4096.
 */
export const SCALED: NsaConfig = { cmpBlock: 16, stride: 8, selBlock: 32, topn: 8, window: 128 };
/** Query rows per dispatch (main.ts's ROWS): the rows of the compressed-score scratch. */
export const ROWS = 256;

export const memory: MemoryModel = {
  label: 'analytic (NSA kernel): 16·N·d + 8·C·d + 12·N + 4·256·C bytes, C ≈ N/8',
  buffers: (n) => {
    const c = Math.max(1, compressedCount(n, SCALED));
    return [
      { name: 'q', bytes: 4 * n * D },
      { name: 'k', bytes: 4 * n * D },
      { name: 'v', bytes: 4 * n * D },
      { name: 'kc', bytes: 4 * c * D },
      { name: 'vc', bytes: 4 * c * D },
      { name: 'g', bytes: 12 * n },
      { name: 'pcmp', bytes: 4 * Math.min(n, ROWS) * c },
      { name: 'o', bytes: 4 * n * D },
      { name: 'params', bytes: 48 }
    ];
  },
  flops: (n, series) => {
    if (series.startsWith('full')) return 2 * D * n * (n + 1);
    return 4 * D * totalRowsRead(n, n, SCALED).total;
  }
};
