/**
 * The app's AssemblyScript compiler worker: trusted code, outside the sandbox, like onnxruntime's
 * worker. It loads the compiler (`assemblyscript/asc` and Binaryen, several MB) with a dynamic
 * import on its first request, so no page pays for it until a `.as.ts` file runs, and compiles
 * one request at a time. A compile that hangs is ended by the client, which terminates this worker.
 */
import { LIMITS, truncateText } from '../protocol/limits';
import { type Asc, compileSimd } from './compile';
import { type CompileResponse, parseCompileRequest } from './messages';

let compiler: Promise<Asc> | null = null;
let queue: Promise<unknown> = Promise.resolve();

const reply = (res: CompileResponse) =>
  (self as unknown as Worker).postMessage(
    res,
    res.ok ? [...new Set(Object.values(res.modules).map((m) => m.buffer as ArrayBuffer))] : []
  );

self.onmessage = (e: MessageEvent) => {
  const parsed = parseCompileRequest(e.data);
  if (!parsed.ok) {
    if (parsed.callId !== undefined) reply({ id: parsed.callId, ok: false, message: `refused: ${parsed.reason}` });
    return;
  }
  const req = parsed.message;
  queue = queue.then(async () => {
    try {
      compiler ??= import('assemblyscript/asc').then((m) => m.default as unknown as Asc);
      const r = await compileSimd(await compiler, req.files);
      // Copies with buffers of their own, so that each can be transferred.
      const modules = Object.fromEntries(Object.entries(r.modules).map(([k, v]) => [k, v.slice()]));
      reply({ id: req.id, ok: true, modules, diagnostics: r.diagnostics.slice(0, LIMITS.diagnostics), ms: r.ms });
    } catch (err) {
      const message = truncateText(err instanceof Error ? err.message : String(err), LIMITS.text);
      reply({ id: req.id, ok: false, message });
    }
  });
};
