/**
 * What this browser can run: a WebGPU adapter (and which), or why not; and how many threads the
 * WASM backend gets. Shown in the backend badge and in every chart's caption.
 */
import { wasmThreads } from './ort/client';
import type { Backend } from './protocol';

export interface Capabilities {
  webgpu: {
    adapter: string;
    fallback: boolean;
    timestamps: boolean;
    maxBindingBytes: number;
    adapterMaxBindingBytes: number;
  } | null;
  /** Why WebGPU is unavailable, when it is. */
  reason: string | null;
  wasmThreads: number;
  isolated: boolean;
  browser: string;
}

function browserName(): string {
  const ua = navigator.userAgent;
  const m = /(Chrome|Firefox|Edg|Safari)\/(\d+)/.exec(ua);
  return m ? `${m[1] === 'Edg' ? 'Edge' : m[1]} ${m[2]}` : 'unknown browser';
}

export async function detect(): Promise<Capabilities> {
  const base = {
    wasmThreads: wasmThreads(),
    isolated: globalThis.crossOriginIsolated === true,
    browser: browserName()
  };
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { ...base, webgpu: null, reason: 'this browser has no navigator.gpu' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter)
      return { ...base, webgpu: null, reason: 'no WebGPU adapter was found (blocklisted GPU, or WebGPU turned off)' };
    const info = adapter.info;
    const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || info.description || 'unknown adapter';
    return {
      ...base,
      webgpu: {
        adapter: name,
        fallback:
          (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
          info.architecture === 'swiftshader',
        timestamps: adapter.features.has('timestamp-query'),
        // Runs use default limits; this is what every WebGPU device guarantees.
        maxBindingBytes: 128 * 1024 * 1024,
        adapterMaxBindingBytes: adapter.limits.maxStorageBufferBindingSize
      },
      reason: null
    };
  } catch (e) {
    return { ...base, webgpu: null, reason: `requesting an adapter failed: ${(e as Error).message}` };
  }
}

export function defaultBackend(caps: Capabilities, runtimes: readonly Backend[]): Backend {
  return caps.webgpu && runtimes.includes('webgpu') ? 'webgpu' : 'wasm';
}
