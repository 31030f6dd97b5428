/**
 * The backends a run can use: the one list the lab, the protocol, the lesson schema and the
 * backend switch are built from. `lab.d.ts` declares the same union for learner code (an ambient
 * module cannot import it); src/lib/runtime/lab/index.ts asserts at compile time that they agree.
 * 'simd' runs the learner's own AssemblyScript (`*.as.ts`), compiled to WebAssembly with SIMD.
 */
export const BACKENDS = ['webgpu', 'wasm', 'simd'] as const;

export type Backend = (typeof BACKENDS)[number];

/** How each backend is named in the interface and in chart captions. */
export const BACKEND_LABELS: Record<Backend, string> = {
  webgpu: 'WebGPU',
  wasm: 'WASM',
  simd: 'CPU · WASM SIMD'
};

export function isBackend(value: unknown): value is Backend {
  return (BACKENDS as readonly unknown[]).includes(value);
}
