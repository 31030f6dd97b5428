/**
 * The run worker: started from a data: URL inside the sandbox iframe, once per run, and killed by
 * the host when the run overstays. It has WebGPU (a data: worker is a secure context there), no
 * network and no storage (the iframe's CSP). onnxruntime runs in the app, reached through messages.
 */
import { PROTOCOL_VERSION, type HostMessage, type SandboxMessage, type WireTensor, isHostMessage } from '../protocol';
import { execute } from './execute';

const scope = self as unknown as {
  postMessage(m: SandboxMessage, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
  console: Console;
};

let runId = 0;
let nextCall = 1;
const pending = new Map<
  number,
  { resolve(v: { outputs: Record<string, WireTensor>; ms: number }): void; reject(e: Error): void }
>();

function post(m: SandboxMessage): void {
  scope.postMessage(m);
}

// Learner console output goes to the page's console panel.
for (const level of ['log', 'warn', 'error'] as const) {
  scope.console[level] = (...args: unknown[]) =>
    post({
      v: PROTOCOL_VERSION,
      type: 'log',
      runId,
      level,
      text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')
    });
}

async function gpuDevice(): Promise<{ device: GPUDevice | null; adapterName: string | null }> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { device: null, adapterName: null };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { device: null, adapterName: null };
  // Default limits on purpose: they are what every WebGPU device guarantees, and the lessons'
  // walls (128 MiB per storage buffer) are written against them.
  const features: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ label: 'speedlab', requiredFeatures: features });
  // A device lost mid-run (driver reset, GPU removed, out of memory) ends the run with the reason;
  // the next run asks for a new device.
  const lostRun = runId;
  void device.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    post({
      v: PROTOCOL_VERSION,
      type: 'error',
      runId: lostRun,
      error: {
        kind: 'runtime',
        message: `the GPU device was lost (${info.message || info.reason}). Run again to get a new one.`
      }
    });
    post({ v: PROTOCOL_VERSION, type: 'done', runId: lostRun, ok: false, leakedGpuBuffers: 0, liveGpuBuffers: 0 });
  });
  const info = adapter.info;
  const adapterName = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  return { device, adapterName };
}

scope.onmessage = async (event: MessageEvent) => {
  const msg = event.data as unknown;
  if (!isHostMessage(msg)) return;
  const m = msg as HostMessage;
  switch (m.type) {
    case 'run': {
      runId = m.runId;
      const { device, adapterName } =
        m.request.backend === 'webgpu' ? await gpuDevice() : { device: null, adapterName: null };
      await execute(m.runId, m.request, {
        device,
        adapterName,
        now: () => performance.now(),
        post,
        ortRun: (model, feeds, ep) =>
          new Promise((resolve, reject) => {
            const callId = nextCall++;
            pending.set(callId, { resolve, reject });
            post({ v: PROTOCOL_VERSION, type: 'ort-run', runId, callId, model, feeds, ep });
          })
      });
      device?.destroy();
      break;
    }
    case 'ort-result':
      pending.get(m.callId)?.resolve({ outputs: m.outputs, ms: m.ms });
      pending.delete(m.callId);
      break;
    case 'ort-error':
      pending.get(m.callId)?.reject(new Error(m.message));
      pending.delete(m.callId);
      break;
    case 'stop':
      // The host terminates this worker; nothing to clean up here.
      break;
  }
};
