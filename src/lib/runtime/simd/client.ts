/**
 * The app's side of the AssemblyScript compiler worker: started when a run first has `.as.ts`
 * files, one per page. Results are cached by a hash of the sources, so running unchanged code
 * again costs nothing. A compile is ended, by terminating the worker, when its run is stopped or
 * when it overstays `COMPILE_TIMEOUT_MS`; the next compile starts a fresh worker.
 */
import { type CompileResult, isSimdFile, sourceHash } from './compile';
import { type CompileRequest, parseCompileResponse } from './messages';

/** A compile that takes longer than this is stopped (a kernel compiles in about a second). */
export const COMPILE_TIMEOUT_MS = 60_000;

export interface CompileOutcome extends CompileResult {
  /** True when the modules came from the cache (ms is then the original compile's time). */
  cached: boolean;
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve(r: CompileResult): void; reject(e: Error): void }>();
const cache = new Map<string, CompileResult>();
const CACHE_ENTRIES = 16;

function stopWorker(reason: string): void {
  worker?.terminate();
  worker = null;
  for (const p of pending.values()) p.reject(new Error(reason));
  pending.clear();
}

function start(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'assemblyscript' });
  w.onmessage = (e: MessageEvent) => {
    const parsed = parseCompileResponse(e.data);
    const id = parsed.ok ? parsed.message.id : parsed.callId;
    const p = id !== undefined ? pending.get(id) : undefined;
    if (!p || id === undefined) return;
    pending.delete(id);
    if (!parsed.ok) p.reject(new Error(`the compiler's reply was refused: ${parsed.reason}`));
    else if (!parsed.message.ok) p.reject(new Error(`the AssemblyScript compiler failed: ${parsed.message.message}`));
    else p.resolve(parsed.message);
  };
  w.onerror = (e) => {
    e.preventDefault();
    if (worker === w) stopWorker(`the AssemblyScript compiler failed to load: ${e.message || 'worker error'}`);
  };
  worker = w;
  return w;
}

/** True when a run of these files needs the compiler. */
export const hasSimdFiles = (files: Record<string, string>) => Object.keys(files).some(isSimdFile);

/** Compile the `.as.ts` files of `files` (cached by source hash); rejects when stopped or too slow. */
export async function compileSimdFiles(
  files: Record<string, string>,
  signal?: AbortSignal,
  timeoutMs = COMPILE_TIMEOUT_MS
): Promise<CompileOutcome> {
  const sources = Object.fromEntries(Object.entries(files).filter(([name]) => isSimdFile(name)));
  const key = await sourceHash(sources);
  const hit = cache.get(key);
  if (hit) return { ...hit, modules: copy(hit.modules), cached: true };
  if (signal?.aborted) throw new Error('stopped');
  const id = nextId++;
  const result = await new Promise<CompileResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (pending.has(id)) stopWorker(`the AssemblyScript compiler was stopped after ${timeoutMs / 1000} s`);
    }, timeoutMs);
    const done =
      <T>(fn: (v: T) => void) =>
      (v: T) => {
        clearTimeout(timer);
        fn(v);
      };
    pending.set(id, { resolve: done(resolve), reject: done(reject) });
    signal?.addEventListener('abort', () => pending.has(id) && stopWorker('stopped'), { once: true });
    start().postMessage({ id, files: sources } satisfies CompileRequest);
  });
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, result);
  return { ...result, modules: copy(result.modules), cached: false };
}

/** Each run gets its own copies: a request's buffers are transferred away with it. */
function copy(modules: Record<string, Uint8Array>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(modules).map(([k, v]) => [k, v.slice()]));
}
