/**
 * What this browser can run: a WebGPU adapter (and which), or why not; and how many threads the
 * WASM backend gets. Shown in the backend badge and in every chart's caption.
 */
import { t } from '$lib/i18n';
import { wasmThreads } from './ort/threads';
import type { RunContext } from '$lib/charts/export';
import { type Backend, BACKEND_LABELS } from './backends';
import { WASM_BUDGET_BYTES, WEBGPU_DEFAULT_LIMITS } from './limits';
import type { DeviceInfo } from './protocol';

export { WASM_BUDGET_BYTES };

export interface Capabilities {
  webgpu: {
    adapter: string;
    fallback: boolean;
    timestamps: boolean;
    maxBindingBytes: number;
    adapterMaxBindingBytes: number;
  } | null;
  /** Why WebGPU is unavailable, when it is (in the page's language). */
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
  if (!gpu) return { ...base, webgpu: null, reason: t('backend.reason.noApi') };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { ...base, webgpu: null, reason: t('backend.reason.noAdapter') };
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
        maxBindingBytes: WEBGPU_DEFAULT_LIMITS.maxStorageBufferBindingSize,
        adapterMaxBindingBytes: adapter.limits.maxStorageBufferBindingSize
      },
      reason: null
    };
  } catch (e) {
    return { ...base, webgpu: null, reason: t('backend.reason.failed', { error: (e as Error).message }) };
  }
}

export function defaultBackend(caps: Capabilities, runtimes: readonly Backend[]): Backend {
  return caps.webgpu && runtimes.includes('webgpu') ? 'webgpu' : 'wasm';
}

/** The limit a sweep point is checked against on this backend, as the memory chart draws it. */
export function memoryLimit(
  backend: Backend,
  caps: Capabilities | null,
  device: DeviceInfo | null = null
): { bytes: number; name: string } {
  if (backend !== 'webgpu') return { bytes: WASM_BUDGET_BYTES, name: 'WASM memory budget' };
  const bytes =
    device?.limits?.maxStorageBufferBindingSize ??
    caps?.webgpu?.maxBindingBytes ??
    WEBGPU_DEFAULT_LIMITS.maxStorageBufferBindingSize;
  return { bytes, name: 'maxStorageBufferBindingSize' };
}

/** What produced a set of numbers: for chart captions and exported files. */
export function runContext(
  lesson: string,
  backend: Backend,
  caps: Capabilities | null,
  device: DeviceInfo | null = null
): RunContext {
  const threads = caps?.wasmThreads ?? 1;
  return {
    lesson,
    backend:
      backend === 'webgpu'
        ? BACKEND_LABELS.webgpu
        : backend === 'simd'
          ? `${BACKEND_LABELS.simd} (1 thread)`
          : `${BACKEND_LABELS.wasm} (${threads} thread${threads > 1 ? 's' : ''})`,
    adapter: backend === 'webgpu' ? (device?.adapter ?? caps?.webgpu?.adapter ?? '?') : 'CPU',
    browser: caps?.browser ?? '',
    wasmThreads: threads,
    date: new Date().toISOString().slice(0, 10)
  };
}
