/**
 * The learner-side program that measures onnxruntime-web's own MatMul throughput on the current
 * backend, run in the sandbox like any other code. Its one log line (JSON) is the result; the
 * compare page and the benchmark divide each kernel's GFLOP/s by it.
 */
export const MATMUL_N = 512;

export const matmulProgram = `import { log, onnx, tensors, time } from 'lab';

export async function main() {
  const n = ${MATMUL_N};
  const g = onnx.graph();
  const c = g.matmul(g.input('a', [n, n]), g.input('b', [n, n]));
  g.output(c);
  const feeds = { a: tensors.randn([n, n], 1), b: tensors.randn([n, n], 2) };
  const t = await time(() => onnx.run(g, feeds), { warmup: 1, repeats: 5 });
  log(JSON.stringify({ matmul: { n, medianMs: t.medianMs, gflops: (2 * n ** 3) / (t.medianMs * 1e6), timer: t.timer } }));
}
`;

export interface MatmulResult {
  n: number;
  medianMs: number;
  gflops: number;
  timer: string;
}

export function parseMatmul(line: string): MatmulResult | null {
  try {
    const v = JSON.parse(line) as { matmul?: MatmulResult };
    return v.matmul && Number.isFinite(v.matmul.gflops) ? v.matmul : null;
  } catch {
    return null;
  }
}

/** Achieved GFLOP/s of a measured point. */
export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}
