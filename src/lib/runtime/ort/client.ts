/**
 * The app's side of the onnxruntime-web worker: started on first use, one per page. Calls are
 * validated before they are sent and replies when they arrive. A caller may abort a call (its run
 * was stopped): a queued call is skipped, and a call that onnxruntime is running now (which it
 * cannot interrupt) ends the worker; the calls queued behind it go to a fresh one.
 */
import type { Backend, WireTensor } from '../protocol';
import { ortCallProblem } from '../protocol/schemas';
import { type OrtRequest, parseOrtResponse } from './messages';

type Result = { outputs: Record<string, WireTensor>; ms: number };

interface Call {
  request: Extract<OrtRequest, { type: 'run' }>;
  resolve(r: Result): void;
  reject(e: Error): void;
}

let worker: Worker | null = null;
let nextId = 1;
/** Calls not answered yet, in the order sent: the worker runs them in that order, one at a time. */
const calls = new Map<number, Call>();

function receive(data: unknown): void {
  const parsed = parseOrtResponse(data);
  if (!parsed.ok) {
    // A reply that does not fit the schema still ends its call, with the reason.
    const c = parsed.callId !== undefined ? calls.get(parsed.callId) : undefined;
    if (c) {
      calls.delete(c.request.id);
      c.reject(new Error(`onnxruntime's reply was refused: ${parsed.reason}`));
    }
    return;
  }
  const r = parsed.message;
  const c = calls.get(r.id);
  if (!c) return;
  calls.delete(r.id);
  if (r.ok) c.resolve({ outputs: r.outputs, ms: r.ms });
  else c.reject(new Error(r.message));
}

function start(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'onnxruntime' });
  w.onmessage = (e: MessageEvent) => receive(e.data);
  w.onerror = (e) => {
    if (worker !== w) return;
    worker = null;
    w.terminate();
    for (const c of calls.values()) c.reject(new Error(`onnxruntime worker failed: ${e.message}`));
    calls.clear();
  };
  worker = w;
  return w;
}

function cancel(id: number): void {
  const c = calls.get(id);
  if (!c) return;
  const running = calls.keys().next().value === id;
  calls.delete(id);
  c.reject(new Error('stopped'));
  if (!worker) return;
  if (!running) {
    worker.postMessage({ type: 'cancel', id } satisfies OrtRequest);
    return;
  }
  // onnxruntime cannot interrupt a graph: end its worker, and resend what was queued behind it.
  worker.terminate();
  worker = null;
  if (calls.size === 0) return;
  const w = start();
  for (const rest of calls.values()) w.postMessage(rest.request);
}

export function ortRun(
  model: Uint8Array,
  feeds: Record<string, WireTensor>,
  ep: Backend,
  signal?: AbortSignal
): Promise<Result> {
  const problem = ortCallProblem(model, feeds, ep);
  if (problem) return Promise.reject(new Error(`onnx.run was refused: ${problem}`));
  if (signal?.aborted) return Promise.reject(new Error('stopped'));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const request: Call['request'] = { type: 'run', id, model, feeds, ep };
    calls.set(id, { request, resolve, reject });
    start().postMessage(request);
    signal?.addEventListener('abort', () => cancel(id), { once: true });
  });
}
