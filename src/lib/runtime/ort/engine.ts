/**
 * Runs serialized ONNX models on onnxruntime-web, with a small session cache. Used by the app's
 * onnxruntime worker and, in Node, by the test suite, so both run learner graphs the same way.
 * Time is measured around session.run alone.
 */
import type * as Ort from 'onnxruntime-web';
import { BACKENDS, type Backend, type WireTensor } from '../protocol';

type OrtModule = typeof Ort;

/** FNV-1a over the model bytes: the session cache key. */
function hash(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return `${bytes.length}:${(h >>> 0).toString(16)}`;
}

export function createEngine(ort: OrtModule, maxSessions = 8) {
  const sessions = new Map<string, Promise<Ort.InferenceSession>>();

  function session(model: Uint8Array, ep: Backend): Promise<Ort.InferenceSession> {
    const key = `${ep}:${hash(model)}`;
    let s = sessions.get(key);
    if (!s) {
      // Warnings about the learner's graph (an unused constant, say) are not errors of the page.
      s = ort.InferenceSession.create(model, {
        executionProviders: [ep],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3
      });
      sessions.set(key, s);
      s.catch(() => sessions.delete(key));
      // Keep a few graphs: a sweep builds one per sequence length.
      if (sessions.size > maxSessions) {
        const oldest = sessions.keys().next().value as string;
        sessions
          .get(oldest)
          ?.then((x) => x.release())
          .catch(() => undefined);
        sessions.delete(oldest);
      }
    }
    return s;
  }

  return {
    async run(
      model: Uint8Array,
      feeds: Record<string, WireTensor>,
      ep: Backend
    ): Promise<{ outputs: Record<string, WireTensor>; ms: number }> {
      // onnxruntime fetches a model given as a string: only bytes are ever passed on.
      if (!(model instanceof Uint8Array)) throw new Error('onnx.run: the model must be ONNX bytes (a Uint8Array)');
      if (!(BACKENDS as readonly unknown[]).includes(ep))
        throw new Error(`onnx.run: unknown execution provider ${String(ep)}`);
      const s = await session(model, ep);
      const inputs: Record<string, Ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, t.shape);
      const t0 = performance.now();
      const out = await s.run(inputs);
      const ms = performance.now() - t0;
      const outputs: Record<string, WireTensor> = {};
      for (const [name, t] of Object.entries(out)) {
        outputs[name] = { shape: t.dims.map(Number), data: Float32Array.from(t.data as Float32Array) };
        t.dispose();
      }
      return { outputs, ms };
    }
  };
}
