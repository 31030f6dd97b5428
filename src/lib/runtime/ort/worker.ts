/**
 * The app's onnxruntime-web worker: trusted code, fed model bytes and tensors that the sandbox
 * sends. It is the one place that imports onnxruntime-web in the browser (thread count, wasm
 * files, execution providers). Requests are validated again here: onnxruntime is never handed
 * anything but bytes.
 */
import * as ort from 'onnxruntime-web';
import { LIMITS, truncateText } from '../protocol/limits';
import { createEngine } from './engine';
import { type OrtResponse, parseOrtRequest } from './messages';
import { wasmThreads } from './threads';

ort.env.wasm.numThreads = wasmThreads();
ort.env.logLevel = 'error';

const engine = createEngine(ort);
let queue: Promise<unknown> = Promise.resolve();
/** Runs waiting in the queue; a cancelled one is taken out and skipped. */
const queued = new Set<number>();

// onnxruntime starts its WASM threads from this same script, named "em-pthread": in those, its own
// message handler must stay in charge.
const isThread = self.name.startsWith('em-pthread');

const reply = (res: OrtResponse) =>
  (self as unknown as Worker).postMessage(
    res,
    res.ok ? [...new Set(Object.values(res.outputs).map((t) => t.data.buffer))] : []
  );

if (!isThread)
  self.onmessage = (e: MessageEvent) => {
    const parsed = parseOrtRequest(e.data);
    if (!parsed.ok) {
      if (parsed.callId !== undefined) reply({ id: parsed.callId, ok: false, message: `refused: ${parsed.reason}` });
      return;
    }
    const req = parsed.message;
    if (req.type === 'cancel') {
      queued.delete(req.id);
      return;
    }
    queued.add(req.id);
    // One run at a time: timings stay honest and the WASM heap holds one graph's tensors.
    queue = queue.then(async () => {
      // Let cancellations that arrived meanwhile be read before the next run starts.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (!queued.delete(req.id)) return;
      let res: OrtResponse;
      try {
        const { outputs, ms } = await engine.run(req.model, req.feeds, req.ep);
        res = { id: req.id, ok: true, ms, outputs };
      } catch (err) {
        res = {
          id: req.id,
          ok: false,
          message: truncateText(err instanceof Error ? err.message : String(err), LIMITS.text)
        };
      }
      reply(res);
    });
  };
