/** The app's side of the onnxruntime-web worker: started on first use, one per page. */
import type { Backend, WireTensor } from '../protocol';
import type { OrtRequest, OrtResponse } from './messages';

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, (r: OrtResponse) => void>();

function start(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'onnxruntime' });
  worker.onmessage = (e: MessageEvent<OrtResponse>) => {
    pending.get(e.data.id)?.(e.data);
    pending.delete(e.data.id);
  };
  worker.onerror = (e) => {
    for (const resolve of pending.values())
      resolve({ id: 0, ok: false, message: `onnxruntime worker failed: ${e.message}` });
    pending.clear();
    worker = null;
  };
  return worker;
}

export function ortRun(
  model: Uint8Array,
  feeds: Record<string, WireTensor>,
  ep: Backend
): Promise<{ outputs: Record<string, WireTensor>; ms: number }> {
  const w = start();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, (r) => (r.ok ? resolve({ outputs: r.outputs, ms: r.ms }) : reject(new Error(r.message))));
    const req: OrtRequest = { id, model, feeds, ep };
    w.postMessage(req);
  });
}
