/** Threads the WASM backend can use here: more than one only on a cross-origin isolated page. */
export function wasmThreads(): number {
  return globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
}
