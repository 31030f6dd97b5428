/**
 * The sandbox frame's script: an opaque-origin iframe that never runs learner code itself, so it
 * always stays responsive. For each run it starts a fresh data: worker and hands it a private
 * MessagePort with the request; it relays between that port and the app, validating every
 * message both ways, and it ends the worker as soon as the run is done, whatever the worker
 * would do next. What the worker posts on its public channel (learner code calling
 * `self.postMessage`) is refused; a run that keeps sending refused messages is ended.
 */
import { type FrameMessage, type HostMessage, PROTOCOL_VERSION, type SandboxMessage } from '../protocol';
import { LIMITS, OutputBudget, truncateText } from '../protocol/limits';
import { parseHostMessage, parseSandboxMessage } from '../protocol/schemas';

interface Run {
  id: number;
  worker: Worker;
  port: MessagePort;
  budget: OutputBudget;
  refused: number;
  /** onnx.run calls sent to the app and not answered yet. */
  calls: Set<number>;
}

export function start(workerUrl: string): void {
  let run: Run | null = null;
  let lastRunId = 0;
  const toHost = (m: FrameMessage) => parent.postMessage(m, '*');
  const error = (runId: number, message: string, kind: 'api' | 'runtime' = 'api'): SandboxMessage => ({
    v: PROTOCOL_VERSION,
    type: 'error',
    runId,
    error: { kind, message: truncateText(message, LIMITS.text) }
  });
  const ortError = (runId: number, callId: number, message: string): HostMessage => ({
    v: PROTOCOL_VERSION,
    type: 'ort-error',
    runId,
    callId,
    message: truncateText(message, LIMITS.text)
  });

  function end(r: Run): void {
    r.worker.terminate();
    r.port.close();
    if (run === r) run = null;
  }

  /** Drop a message of this run: the first is reported to the learner, and too many end the run. */
  function refuse(r: Run, reason: string): void {
    if (run !== r) return;
    r.refused++;
    if (r.refused === 1) {
      toHost(
        error(
          r.id,
          `the sandbox refused a message from this run (${reason}). Output reaches the page only through the lab.`
        )
      );
    }
    if (r.refused >= LIMITS.refusedPerRun) {
      end(r);
      toHost(error(r.id, `the run was ended: it sent ${r.refused} messages that the sandbox refused.`));
      toHost({
        v: PROTOCOL_VERSION,
        type: 'done',
        runId: r.id,
        ok: false,
        leakedGpuBuffers: 0,
        liveGpuBuffers: 0,
        dropped: r.budget.total()
      });
    }
  }

  function fromWorker(r: Run, data: unknown): void {
    if (run !== r) return;
    const parsed = parseSandboxMessage(data);
    if (!parsed.ok) {
      // A refused onnx.run is answered, so that the learner's await ends with the reason.
      if (parsed.type === 'ort-run' && parsed.runId === r.id && parsed.callId !== undefined) {
        r.port.postMessage(ortError(r.id, parsed.callId, `onnx.run was refused: ${parsed.reason}`));
      } else refuse(r, parsed.reason);
      return;
    }
    const m = parsed.message;
    if (m.runId !== r.id) return refuse(r, `it names run ${m.runId}, not this run`);
    switch (m.type) {
      case 'ort-run':
        if (r.calls.size >= LIMITS.ortCallsInFlight) {
          r.port.postMessage(
            ortError(r.id, m.callId, `onnx.run was refused: at most ${LIMITS.ortCallsInFlight} calls may wait at once`)
          );
          return;
        }
        r.calls.add(m.callId);
        toHost(m);
        return;
      case 'done':
        // The run is over: its worker goes now, with any timer or GPU work it left behind.
        end(r);
        toHost({ ...m, dropped: r.budget.total(m.dropped) });
        return;
      case 'started':
        toHost(m);
        return;
      default:
        if (r.budget.admit(m.type)) toHost(m);
    }
  }

  function begin(runId: number, m: HostMessage): void {
    if (run) end(run);
    const worker = new Worker(workerUrl);
    const channel = new MessageChannel();
    const r: Run = { id: runId, worker, port: channel.port1, budget: new OutputBudget(), refused: 0, calls: new Set() };
    run = r;
    channel.port1.onmessage = (e) => fromWorker(r, e.data);
    channel.port1.onmessageerror = () => refuse(r, 'a message that could not be read');
    // The public channel: only learner code writes to it.
    worker.onmessage = () => refuse(r, 'the code posted it itself with self.postMessage');
    worker.onmessageerror = () => refuse(r, 'a message that could not be read');
    worker.onerror = (e) => {
      e.preventDefault();
      if (run === r && r.budget.admit('error')) toHost(error(r.id, e.message || 'the run worker failed', 'runtime'));
    };
    worker.postMessage(m, [channel.port2]);
  }

  addEventListener('message', (e: MessageEvent) => {
    if (e.source !== parent) return;
    const parsed = parseHostMessage(e.data);
    if (!parsed.ok) return;
    const m = parsed.message;
    switch (m.type) {
      case 'run':
        if (m.runId <= lastRunId) return;
        lastRunId = m.runId;
        begin(m.runId, m);
        return;
      case 'stop':
        if (run?.id === m.runId) end(run);
        return;
      case 'ort-result':
      case 'ort-error':
        // Only a reply to a call of the run in progress reaches its worker.
        if (!run || run.id !== m.runId || !run.calls.delete(m.callId)) return;
        run.port.postMessage(
          m,
          m.type === 'ort-result' ? [...new Set(Object.values(m.outputs).map((t) => t.data.buffer))] : []
        );
        return;
    }
  });
  toHost({ v: PROTOCOL_VERSION, type: 'ready' });
}
