/**
 * The app's side of the sandbox: one hidden, opaque-origin iframe (the frame, sandbox/frame.ts)
 * that starts a fresh worker per run and ends it when the run is done. The host owns the
 * watchdog: a run that overstays its budget, or that the learner stops, is ended by replacing the
 * frame, which kills its worker whatever that worker is doing. The watchdog stays armed until
 * the frame reports the run done, which it does only after ending the worker.
 *
 * Every message from the frame is validated (protocol/schemas.ts) and must belong to the run in
 * progress; output is capped per run and handed to the page in batches, so no run can flood it.
 * onnx.run calls are brokered to the app's onnxruntime worker only with model bytes. On the simd
 * backend the run's AssemblyScript files are compiled first, in the app's compiler worker
 * (runtime/simd/), and the request carries the module bytes.
 */
import type { SweepPoint } from '$lib/bench/types';
import sandboxUrl from 'virtual:sandbox-document';
import { ortRun } from '../ort/client';
import { compileSimdFiles, hasSimdFiles } from '../simd/client';
import { compileError } from '../simd/compile';
import {
  type CheckResult,
  type DeviceInfo,
  type HostMessage,
  type LearnerError,
  type OutputKind,
  PROTOCOL_VERSION,
  type PlotData,
  type RunRequest,
  type SandboxMessage
} from '../protocol';
import { LIMITS, OutputBudget, droppedNotes, truncateText } from '../protocol/limits';
import { parseFrameMessage } from '../protocol/schemas';

export interface RunHandlers {
  onStarted?(device: DeviceInfo): void;
  onPoint?(point: SweepPoint): void;
  onPlot?(plot: PlotData): void;
  onCheck?(result: CheckResult): void;
  onLog?(level: 'log' | 'warn' | 'error', text: string): void;
  onError?(error: LearnerError): void;
  /** The run's AssemblyScript files were compiled (or found in the cache): which, and how long it took. */
  onCompiled?(info: CompileInfo): void;
}

export interface CompileInfo {
  files: string[];
  ms: number;
  cached: boolean;
}

export interface RunOutcome {
  status: 'ok' | 'failed' | 'stopped' | 'timeout';
  /** Buffers the code left alive (the lab destroyed them), and what was still alive after that. */
  leakedGpuBuffers: number;
  liveGpuBuffers: number;
}

export interface RunHandle {
  done: Promise<RunOutcome>;
  stop(): void;
}

interface ActiveRun {
  id: number;
  handlers: RunHandlers;
  budget: OutputBudget;
  refused: boolean;
  /** Handler calls waiting for the next batch, in arrival order. */
  queue: (() => void)[];
  flushTimer: ReturnType<typeof setTimeout> | null;
  lastFlush: number;
  /** onnx.run calls sent to onnxruntime and not answered yet; aborted when the run ends. */
  calls: Set<number>;
  abort: AbortController;
  watchdog: ReturnType<typeof setTimeout>;
  resolve(o: RunOutcome): void;
}

/** Call a page handler; a handler's own bug is reported, and the batch goes on. */
function call(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    reportError(err);
  }
}

export class Sandbox {
  private frame: HTMLIFrameElement | null = null;
  private ready: Promise<void> | null = null;
  private resolveReady: (() => void) | null = null;
  private runId = 0;
  private active: ActiveRun | null = null;
  private readonly onMessage = (e: MessageEvent) => this.receive(e);

  constructor(private readonly parent: HTMLElement = document.body) {
    window.addEventListener('message', this.onMessage);
  }

  private boot(): Promise<void> {
    if (this.ready) return this.ready;
    const frame = document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts');
    frame.setAttribute('title', 'code sandbox');
    frame.setAttribute('aria-hidden', 'true');
    frame.dataset.testid = 'sandbox';
    frame.style.display = 'none';
    frame.src = sandboxUrl;
    this.frame = frame;
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
    this.parent.appendChild(frame);
    return this.ready;
  }

  /** Throw the frame away (and with it any worker it runs); the next run boots a fresh one. */
  private reset(): void {
    this.frame?.remove();
    this.frame = null;
    this.ready = null;
    this.resolveReady = null;
  }

  private post(m: HostMessage, transfer: Transferable[] = []): void {
    this.frame?.contentWindow?.postMessage(m, '*', transfer);
  }

  run(request: RunRequest, handlers: RunHandlers, timeBudgetMs: number): RunHandle {
    this.stopActive('stopped');
    const id = ++this.runId;
    let resolve!: (o: RunOutcome) => void;
    const done = new Promise<RunOutcome>((r) => {
      resolve = r;
    });
    const a: ActiveRun = {
      id,
      handlers,
      budget: new OutputBudget(),
      refused: false,
      queue: [],
      flushTimer: null,
      lastFlush: 0,
      calls: new Set(),
      abort: new AbortController(),
      watchdog: setTimeout(() => {
        if (this.active !== a) return;
        this.deliver(a, () =>
          handlers.onError?.({
            kind: 'timeout',
            message: `stopped after ${Math.round(timeBudgetMs / 1000)} s, this lesson's time budget. Look for a loop that never ends, or lower N.`
          })
        );
        this.stopActive('timeout');
      }, timeBudgetMs),
      resolve
    };
    this.active = a;
    void Promise.all([this.boot(), this.compile(a, request)]).then(([, modules]) => {
      if (this.active !== a || modules === null) return;
      this.post({ v: PROTOCOL_VERSION, type: 'run', runId: id, request: modules ? { ...request, modules } : request });
    });
    return {
      done,
      stop: () => {
        if (this.active === a) this.stopActive('stopped');
      }
    };
  }

  /**
   * The run's AssemblyScript files, compiled by the app's compiler worker before the run is posted
   * (the simd backend only): the modules, undefined when there is nothing to compile, or null when
   * the compile failed (its errors are reported, located in the learner's files, and the run ends).
   * The run's watchdog and Stop cover the compile too: they abort it, which ends the compiler.
   */
  private async compile(a: ActiveRun, request: RunRequest): Promise<Record<string, Uint8Array> | undefined | null> {
    if (request.backend !== 'simd' || !hasSimdFiles(request.files)) return undefined;
    try {
      const r = await compileSimdFiles(request.files, a.abort.signal);
      if (this.active !== a) return null;
      const names = Object.keys(r.modules).join(', ');
      const time = r.cached ? `cached, compiled earlier in ${Math.round(r.ms)} ms` : `${Math.round(r.ms)} ms`;
      this.deliver(a, () => a.handlers.onLog?.('log', `AssemblyScript: compiled ${names || 'nothing'} (${time})`));
      const info = { files: Object.keys(r.modules), ms: r.ms, cached: r.cached };
      this.deliver(a, () => a.handlers.onCompiled?.(info));
      const error = compileError(r.diagnostics);
      if (error) {
        this.deliver(a, () => a.handlers.onError?.(error));
        this.end(a, { status: 'failed', leakedGpuBuffers: 0, liveGpuBuffers: 0 });
        return null;
      }
      return r.modules;
    } catch (e) {
      if (this.active !== a) return null;
      const message = e instanceof Error ? e.message : String(e);
      this.deliver(a, () => a.handlers.onError?.({ kind: 'compile', message: truncateText(message, LIMITS.text) }));
      this.end(a, { status: 'failed', leakedGpuBuffers: 0, liveGpuBuffers: 0 });
      return null;
    }
  }

  private stopActive(status: 'stopped' | 'timeout'): void {
    const a = this.active;
    if (!a) return;
    // Replacing the frame ends the worker, and with it its GPU device and every buffer.
    this.reset();
    this.end(a, { status, leakedGpuBuffers: 0, liveGpuBuffers: 0 });
  }

  /** The run is over: hand the page what is left of its output, then its outcome. */
  private end(a: ActiveRun, outcome: RunOutcome, dropped?: Partial<Record<OutputKind, number>>): void {
    if (this.active !== a) return;
    this.active = null;
    clearTimeout(a.watchdog);
    if (a.flushTimer !== null) clearTimeout(a.flushTimer);
    a.abort.abort();
    this.flush(a, Infinity);
    const total = a.budget.total(dropped);
    const notes = droppedNotes(total);
    if (!total.log && a.budget.full('log') && outcome.status !== 'ok' && outcome.status !== 'failed') {
      notes.push(
        `… log output stopped at ${LIMITS.perRun.log.toLocaleString('en-US')} lines, the most one run may print`
      );
    }
    for (const line of notes) call(() => a.handlers.onLog?.('warn', line));
    a.resolve(outcome);
  }

  /** Queue a handler call for the next batch: the page gets output at most every LIMITS.flushMs. */
  private deliver(a: ActiveRun, fn: () => void): void {
    a.queue.push(fn);
    this.schedule(a);
  }

  private schedule(a: ActiveRun): void {
    if (a.flushTimer !== null || a.queue.length === 0) return;
    const wait = Math.max(0, a.lastFlush + LIMITS.flushMs - performance.now());
    a.flushTimer = setTimeout(() => {
      a.flushTimer = null;
      if (this.active === a) this.flush(a, LIMITS.perFlush);
    }, wait);
  }

  private flush(a: ActiveRun, max: number): void {
    a.lastFlush = performance.now();
    const batch = a.queue.splice(0, max);
    for (const fn of batch) call(fn);
    if (this.active === a) this.schedule(a);
  }

  /** Tell the learner, once per run, that a message was refused and why. */
  private refuse(a: ActiveRun, reason: string): void {
    if (a.refused) return;
    a.refused = true;
    this.deliver(a, () =>
      a.handlers.onError?.({
        kind: 'api',
        message: truncateText(`the page refused a message from the sandbox (${reason})`, LIMITS.text)
      })
    );
  }

  private ortError(a: ActiveRun, callId: number, message: string): void {
    this.post({
      v: PROTOCOL_VERSION,
      type: 'ort-error',
      runId: a.id,
      callId,
      message: truncateText(message, LIMITS.text)
    });
  }

  /** onnx.run for the sandbox: the schemas admitted only model bytes, a known provider and typed feeds. */
  private broker(a: ActiveRun, m: Extract<SandboxMessage, { type: 'ort-run' }>): void {
    if (a.calls.has(m.callId)) return;
    if (a.calls.size >= LIMITS.ortCallsInFlight) {
      this.ortError(a, m.callId, `onnx.run was refused: at most ${LIMITS.ortCallsInFlight} calls may wait at once`);
      return;
    }
    a.calls.add(m.callId);
    ortRun(m.model, m.feeds, m.ep, a.abort.signal).then(
      (r) => {
        a.calls.delete(m.callId);
        if (this.active !== a) return;
        const buffers = [...new Set(Object.values(r.outputs).map((t) => t.data.buffer))];
        this.post(
          { v: PROTOCOL_VERSION, type: 'ort-result', runId: a.id, callId: m.callId, outputs: r.outputs, ms: r.ms },
          buffers
        );
      },
      (err: unknown) => {
        a.calls.delete(m.callId);
        if (this.active === a) this.ortError(a, m.callId, err instanceof Error ? err.message : String(err));
      }
    );
  }

  private receive(e: MessageEvent): void {
    if (!this.frame || e.source !== this.frame.contentWindow) return;
    const parsed = parseFrameMessage(e.data);
    const a = this.active;
    if (!parsed.ok) {
      if (!a || (parsed.runId !== undefined && parsed.runId !== a.id)) return;
      if (parsed.type === 'ort-run' && parsed.callId !== undefined) {
        this.ortError(a, parsed.callId, `onnx.run was refused: ${parsed.reason}`);
      } else this.refuse(a, parsed.reason);
      return;
    }
    const m = parsed.message;
    if (m.type === 'ready') {
      this.resolveReady?.();
      return;
    }
    // Whatever belongs to a stopped or finished run is dropped here.
    if (!a || m.runId !== a.id) return;
    const h = a.handlers;
    switch (m.type) {
      case 'started':
        this.deliver(a, () => h.onStarted?.(m.device));
        break;
      case 'log':
        if (a.budget.admit('log')) this.deliver(a, () => h.onLog?.(m.level, m.text));
        break;
      case 'point':
        if (a.budget.admit('point')) this.deliver(a, () => h.onPoint?.(m.point));
        break;
      case 'plot':
        if (a.budget.admit('plot')) this.deliver(a, () => h.onPlot?.(m.plot));
        break;
      case 'check':
        if (a.budget.admit('check')) this.deliver(a, () => h.onCheck?.(m.result));
        break;
      case 'error':
        if (a.budget.admit('error')) this.deliver(a, () => h.onError?.(m.error));
        break;
      case 'done':
        this.end(
          a,
          { status: m.ok ? 'ok' : 'failed', leakedGpuBuffers: m.leakedGpuBuffers, liveGpuBuffers: m.liveGpuBuffers },
          m.dropped
        );
        break;
      case 'ort-run':
        this.broker(a, m);
        break;
    }
  }

  dispose(): void {
    this.stopActive('stopped');
    this.reset();
    window.removeEventListener('message', this.onMessage);
  }
}
