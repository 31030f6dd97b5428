/**
 * One run of learner code, start to finish: build the lab, load the learner's files, then run the
 * playground's main(), the lesson's checks, or the lesson's sweep. Messages go out through `post`.
 * The browser's sandbox worker and the Node test suite both call this, so the page's Check button
 * and CI judge code the same way.
 */
import { harnesses } from '$lib/lessons/harnesses';
import type { LessonContext } from '$lib/lessons/types';
import { type OrtRun, createLab } from '../lab';
import { type CheckResult, type DeviceInfo, PROTOCOL_VERSION, type RunRequest, type SandboxMessage } from '../protocol';
import { loadModules, toLearnerError } from './modules';

export interface ExecuteEnv {
  device: GPUDevice | null;
  adapterName: string | null;
  ortRun: OrtRun;
  post(message: SandboxMessage): void;
  now(): number;
}

type Out = SandboxMessage extends infer M ? (M extends { runId: number } ? Omit<M, 'v' | 'runId'> : never) : never;

export async function execute(runId: number, req: RunRequest, env: ExecuteEnv): Promise<CheckResult[]> {
  const post = (m: Out) => env.post({ v: PROTOCOL_VERSION, runId, ...m } as SandboxMessage);
  const device: DeviceInfo = {
    backend: req.backend,
    adapter: req.backend === 'webgpu' ? env.adapterName : null,
    timestamps: req.backend === 'webgpu' && (env.device?.features.has('timestamp-query') ?? false),
    limits:
      req.backend === 'webgpu' && env.device
        ? {
            maxStorageBufferBindingSize: env.device.limits.maxStorageBufferBindingSize,
            maxBufferSize: env.device.limits.maxBufferSize
          }
        : null
  };
  post({ type: 'started', device });

  const wgslFiles = Object.entries(req.files).filter(([name]) => name.endsWith('.wgsl'));
  const lab = createLab({
    backend: req.backend,
    device: env.device,
    ortRun: env.ortRun,
    log: (level, text) => post({ type: 'log', level, text }),
    emitPoint: (point) => post({ type: 'point', point }),
    emitPlot: (plot) => post({ type: 'plot', plot }),
    sweep: req.sweep,
    wasmBudgetBytes: req.wasmBudgetBytes,
    now: env.now,
    fileOf: (code) => wgslFiles.find(([, text]) => text === code)?.[0],
    simdModules: req.modules
  });
  const results: CheckResult[] = [];
  let ok = true;
  let leaked = 0;
  try {
    if (req.backend === 'webgpu' && !env.device) {
      throw new Error('WebGPU was requested but this browser gave no adapter. Switch the backend to WASM.');
    }
    const learner = loadModules(req.files, lab.module);
    const harness = req.lesson ? harnesses[req.lesson] : undefined;
    if (req.lesson && !harness) throw new Error(`no checks found for lesson ${req.lesson}`);
    const ctx: LessonContext = { learner, lab: lab.module, backend: req.backend, probe: lab.probe };

    switch (req.mode) {
      case 'run': {
        const main = learner.main;
        if (typeof main === 'function') await main();
        break;
      }
      case 'sweep':
        if (!harness) throw new Error('a sweep needs a lesson');
        await harness.sweep(ctx, req.sweep.n);
        break;
      case 'check':
        if (!harness) throw new Error('checks need a lesson');
        for (const check of harness.checks) {
          let result: CheckResult;
          if (check.backends && !check.backends.includes(req.backend)) {
            result = {
              id: check.id,
              title: check.title,
              status: 'skipped',
              message: `runs on ${check.backends.join(' or ')} only`,
              key: 'kit.skipped',
              params: { backends: check.backends.join(' or ') }
            };
          } else {
            try {
              const o = await check.run(ctx);
              result = {
                id: check.id,
                title: check.title,
                status: o.pass ? 'pass' : 'fail',
                message: o.message,
                ...(o.key !== undefined && { key: o.key }),
                ...(o.params !== undefined && { params: o.params }),
                ...(o.parts !== undefined && { parts: o.parts })
              };
            } catch (e) {
              const error = toLearnerError(e, req.files);
              post({ type: 'error', error });
              result = {
                id: check.id,
                title: check.title,
                status: 'fail',
                message: `your code threw: ${error.message}`,
                key: 'kit.threw',
                params: { message: error.message }
              };
            }
            leaked += lab.finish();
          }
          results.push(result);
          post({ type: 'check', result });
        }
        ok = results.every((r) => r.status !== 'fail');
        break;
    }
  } catch (e) {
    ok = false;
    post({ type: 'error', error: toLearnerError(e, req.files) });
  }
  leaked += lab.finish();
  post({ type: 'done', ok, leakedGpuBuffers: leaked, liveGpuBuffers: lab.liveGpuBuffers() });
  return results;
}
