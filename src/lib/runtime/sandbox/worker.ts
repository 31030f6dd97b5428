/**
 * The run worker: started from a data: URL inside the sandbox frame, once per run, and ended by the
 * frame when the run is done (or with the frame, when the host stops it). It has WebGPU (a data:
 * worker is a secure context there), no network and no storage (the frame's CSP). onnxruntime
 * runs in the app, reached through messages.
 *
 * The frame sends the run's request with a MessagePort: the harness's own channel. Everything the
 * run sends goes through that port, which learner code never sees; the frame drops whatever
 * arrives on the worker's public channel (`self.postMessage`). The port's postMessage and the
 * event's data getter are captured here, before any learner code is evaluated, so that patching
 * built-ins later cannot reach the port either.
 */
import { PROTOCOL_VERSION, type HostMessage, type SandboxMessage, type WireTensor } from '../protocol';
import { OutputBudget, clampMessage, ortCallId } from '../protocol/limits';
import { ortCallProblem, parseHostMessage } from '../protocol/schemas';
import { apiError } from '../lab/errors';
import { execute } from './execute';

const portPostMessage = MessagePort.prototype.postMessage;
const eventData = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data')!.get!;
const apply = Reflect.apply;

const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  console: Console;
};

interface Run {
  id: number;
  send(m: SandboxMessage): void;
  budget: OutputBudget;
  calls: number;
  pending: Map<
    number,
    { resolve(v: { outputs: Record<string, WireTensor>; ms: number }): void; reject(e: Error): void }
  >;
}

let run: Run | null = null;

/** Send one message of this run to the frame, cut to the protocol's limits and within the run's caps. */
function post(m: SandboxMessage): void {
  const r = run;
  if (!r || m.runId !== r.id) return;
  let out = m;
  if (m.type === 'done') out = { ...m, dropped: r.budget.total(m.dropped) };
  else if (m.type !== 'started' && m.type !== 'ort-run' && !r.budget.admit(m.type)) return;
  try {
    r.send(clampMessage(out));
  } catch {
    // A message that cannot be cloned is dropped: learner values never reach this far unconverted.
  }
}

function describe(a: unknown): string {
  if (typeof a === 'string') return a;
  try {
    return JSON.stringify(a) ?? String(a);
  } catch {
    return String(a);
  }
}

// Learner console output goes to the page's console panel, within the run's cap.
for (const level of ['log', 'warn', 'error'] as const) {
  scope.console[level] = (...args: unknown[]) => {
    const r = run;
    if (!r) return;
    if (r.budget.full('log')) {
      r.budget.admit('log');
      return;
    }
    post({ v: PROTOCOL_VERSION, type: 'log', runId: r.id, level, text: args.map(describe).join(' ') });
  };
}

async function gpuDevice(runId: number): Promise<{ device: GPUDevice | null; adapterName: string | null }> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { device: null, adapterName: null };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { device: null, adapterName: null };
  // Default limits on purpose: they are what every WebGPU device guarantees, and the lessons'
  // walls (128 MiB per storage buffer) are written against them.
  const features: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ label: 'speedlab', requiredFeatures: features });
  // A device lost mid-run (driver reset, GPU removed, out of memory) ends the run with the reason.
  void device.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    post({
      v: PROTOCOL_VERSION,
      type: 'error',
      runId,
      error: {
        kind: 'runtime',
        message: `the GPU device was lost (${info.message || info.reason}). Run again to get a new one.`
      }
    });
    post({ v: PROTOCOL_VERSION, type: 'done', runId, ok: false, leakedGpuBuffers: 0, liveGpuBuffers: 0 });
  });
  const info = adapter.info;
  const adapterName = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  return { device, adapterName };
}

/** A reply from onnxruntime (through the frame), for a call of this run. */
function receive(data: unknown): void {
  const r = run;
  const parsed = parseHostMessage(data);
  if (!r || !parsed.ok) return;
  const m: HostMessage = parsed.message;
  if ((m.type !== 'ort-result' && m.type !== 'ort-error') || m.runId !== r.id) return;
  const call = r.pending.get(m.callId);
  if (!call) return;
  r.pending.delete(m.callId);
  if (m.type === 'ort-result') call.resolve({ outputs: m.outputs, ms: m.ms });
  else call.reject(apiError(m.message));
}

async function start(runId: number, request: Extract<HostMessage, { type: 'run' }>['request'], port: MessagePort) {
  const send = portPostMessage.bind(port) as (m: SandboxMessage) => void;
  const r: Run = { id: runId, send, budget: new OutputBudget(), calls: 0, pending: new Map() };
  run = r;
  port.onmessage = (e: MessageEvent) => receive(apply(eventData, e, []));
  const { device, adapterName } =
    request.backend === 'webgpu' ? await gpuDevice(runId) : { device: null, adapterName: null };
  await execute(runId, request, {
    device,
    adapterName,
    now: () => performance.now(),
    post,
    ortRun: (model, feeds, ep) =>
      new Promise((resolve, reject) => {
        const problem = ortCallProblem(model, feeds, ep);
        if (problem) {
          reject(apiError(`onnx.run was refused: ${problem}`));
          return;
        }
        const callId = ortCallId(runId, r.calls++);
        r.pending.set(callId, { resolve, reject });
        post({ v: PROTOCOL_VERSION, type: 'ort-run', runId, callId, model, feeds, ep });
      })
  });
  // The frame ends this worker when it sees `done`; until then, free the device ourselves.
  device?.destroy();
}

// The first message is the run, with the harness's port; nothing else is accepted here.
scope.onmessage = (event: MessageEvent) => {
  if (run) return;
  const port = event.ports[0];
  const parsed = parseHostMessage(event.data);
  if (!port || !parsed.ok || parsed.message.type !== 'run') return;
  scope.onmessage = null;
  void start(parsed.message.runId, parsed.message.request, port);
};
