/**
 * Runs learner files through the same `execute` as the browser's sandbox, in Node: no WebGPU,
 * and onnxruntime-web's WASM backend called directly.
 */
import asc from 'assemblyscript/asc';
import * as ort from 'onnxruntime-web';
import { createLab } from '$lib/runtime/lab';
import { createEngine } from '$lib/runtime/ort/engine';
import { type CheckResult, PROTOCOL_VERSION, type RunRequest, type SandboxMessage } from '$lib/runtime/protocol';
import { execute } from '$lib/runtime/sandbox/execute';
import { type Asc, compileError, compileSimd, isSimdFile } from '$lib/runtime/simd/compile';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const engine = createEngine(ort);

export interface NodeRun {
  results: CheckResult[];
  messages: SandboxMessage[];
}

export async function runInNode(request: Partial<RunRequest> & Pick<RunRequest, 'files' | 'mode'>): Promise<NodeRun> {
  const messages: SandboxMessage[] = [];
  const req: RunRequest = {
    lesson: null,
    backend: 'wasm',
    sweep: { n: [16, 32], warmup: 0, repeats: 1, budgetMs: 60_000 },
    wasmBudgetBytes: 1 << 30,
    ...request
  };
  // The simd backend: compile the AssemblyScript files here, as the page's compiler worker does.
  if (req.backend === 'simd' && !req.modules && Object.keys(req.files).some(isSimdFile)) {
    const compiled = await compileSimd(asc as unknown as Asc, req.files);
    const error = compileError(compiled.diagnostics);
    if (error) {
      messages.push({ v: PROTOCOL_VERSION, type: 'error', runId: 1, error });
      return { results: [], messages };
    }
    req.modules = compiled.modules;
  }
  const results = await execute(1, req, {
    device: null,
    adapterName: null,
    now: () => performance.now(),
    post: (m) => messages.push(m),
    ortRun: (model, feeds, ep) => engine.run(model, feeds, ep)
  });
  return { results, messages };
}

/** A lab for one wasm-backend run in Node, with onnxruntime-web called directly. */
export function nodeLab() {
  return createLab({
    backend: 'wasm',
    device: null,
    ortRun: (model, feeds, ep) => engine.run(model, feeds, ep),
    log: () => undefined,
    emitPoint: () => undefined,
    emitPlot: () => undefined,
    sweep: { n: [], warmup: 0, repeats: 1, budgetMs: 1000 },
    wasmBudgetBytes: 1 << 30,
    now: () => performance.now(),
    fileOf: () => undefined
  });
}
