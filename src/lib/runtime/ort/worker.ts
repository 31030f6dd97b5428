/**
 * The app's onnxruntime-web worker: trusted code, fed model bytes and tensors that the sandbox
 * sends. It is the one place that imports onnxruntime-web in the browser (thread count, wasm
 * files, execution providers).
 */
import * as ort from 'onnxruntime-web';
import { createEngine } from './engine';
import type { OrtRequest, OrtResponse } from './messages';
import { wasmThreads } from './threads';

ort.env.wasm.numThreads = wasmThreads();
ort.env.logLevel = 'error';

const engine = createEngine(ort);
let queue: Promise<unknown> = Promise.resolve();

// onnxruntime starts its WASM threads from this same script, named "em-pthread": in those, its own
// message handler must stay in charge.
const isThread = self.name.startsWith('em-pthread');

if (!isThread)
  self.onmessage = (e: MessageEvent<OrtRequest>) => {
    const req = e.data;
    // One run at a time: timings stay honest and the WASM heap holds one graph's tensors.
    queue = queue.then(async () => {
      let res: OrtResponse;
      try {
        const { outputs, ms } = await engine.run(req.model, req.feeds, req.ep);
        res = { id: req.id, ok: true, ms, outputs };
      } catch (err) {
        res = { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) };
      }
      (self as unknown as Worker).postMessage(res);
    });
  };
