/**
 * The app's side of the sandbox: one hidden, opaque-origin iframe that relays to a fresh worker
 * per run. The host owns the watchdog: a run that overstays its budget, or that the learner
 * stops, is ended by replacing the iframe, which kills its worker whatever that worker is doing.
 */
import type { SweepPoint } from '$lib/bench/types';
import { ortRun } from '../ort/client';
import {
  type CheckResult,
  type DeviceInfo,
  type HostMessage,
  type LearnerError,
  type PlotData,
  type RunRequest,
  type SandboxMessage,
  assertNever,
  isSandboxMessage
} from '../protocol';
import { sandboxDocument } from './document';

export interface RunHandlers {
  onStarted?(device: DeviceInfo): void;
  onPoint?(point: SweepPoint): void;
  onPlot?(plot: PlotData): void;
  onCheck?(result: CheckResult): void;
  onLog?(level: 'log' | 'warn' | 'error', text: string): void;
  onError?(error: LearnerError): void;
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

/** The sandbox document, with the run worker's bundled source: fetched on the first run only. */
let documentHtml: Promise<string> | null = null;

function sandboxHtml(): Promise<string> {
  documentHtml ??= import('virtual:sandbox-worker').then((m) => sandboxDocument(m.default));
  return documentHtml;
}

export class Sandbox {
  private frame: HTMLIFrameElement | null = null;
  private ready: Promise<void> | null = null;
  private resolveReady: (() => void) | null = null;
  private runId = 0;
  private active: { id: number; handlers: RunHandlers; finish(o: RunOutcome): void } | null = null;
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
    this.frame = frame;
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
    void sandboxHtml().then((html) => {
      if (this.frame !== frame) return;
      frame.srcdoc = html;
      this.parent.appendChild(frame);
    });
    return this.ready;
  }

  /** Throw the iframe away (and with it any worker it runs); the next run boots a fresh one. */
  private reset(): void {
    this.frame?.remove();
    this.frame = null;
    this.ready = null;
    this.resolveReady = null;
  }

  private post(m: HostMessage): void {
    this.frame?.contentWindow?.postMessage(m, '*');
  }

  run(request: RunRequest, handlers: RunHandlers, timeBudgetMs: number): RunHandle {
    this.stopActive('stopped');
    const id = ++this.runId;
    let finish!: (o: RunOutcome) => void;
    const done = new Promise<RunOutcome>((resolve) => {
      finish = resolve;
    });
    const timer = setTimeout(() => {
      if (this.active?.id !== id) return;
      handlers.onError?.({
        kind: 'timeout',
        message: `stopped after ${Math.round(timeBudgetMs / 1000)} s, this lesson's time budget. Look for a loop that never ends, or lower N.`
      });
      this.stopActive('timeout');
    }, timeBudgetMs);
    this.active = {
      id,
      handlers,
      finish: (o) => {
        clearTimeout(timer);
        finish(o);
      }
    };
    void this.boot().then(() => {
      if (this.active?.id === id) this.post({ v: 1, type: 'run', runId: id, request });
    });
    return { done, stop: () => this.active?.id === id && this.stopActive('stopped') };
  }

  private stopActive(status: 'stopped' | 'timeout'): void {
    const a = this.active;
    if (!a) return;
    this.active = null;
    this.reset();
    // Replacing the iframe ended the worker, and with it its GPU device and every buffer.
    a.finish({ status, leakedGpuBuffers: 0, liveGpuBuffers: 0 });
  }

  private receive(e: MessageEvent): void {
    if (!this.frame || e.source !== this.frame.contentWindow || !isSandboxMessage(e.data)) return;
    const m = e.data as SandboxMessage;
    if (m.type === 'ready') {
      this.resolveReady?.();
      return;
    }
    const a = this.active;
    if (!a || m.runId !== a.id) return;
    switch (m.type) {
      case 'started':
        a.handlers.onStarted?.(m.device);
        break;
      case 'log':
        a.handlers.onLog?.(m.level, m.text);
        break;
      case 'point':
        a.handlers.onPoint?.(m.point);
        break;
      case 'plot':
        a.handlers.onPlot?.(m.plot);
        break;
      case 'check':
        a.handlers.onCheck?.(m.result);
        break;
      case 'error':
        a.handlers.onError?.(m.error);
        break;
      case 'done':
        this.active = null;
        a.finish({
          status: m.ok ? 'ok' : 'failed',
          leakedGpuBuffers: m.leakedGpuBuffers,
          liveGpuBuffers: m.liveGpuBuffers
        });
        break;
      case 'ort-run':
        ortRun(m.model, m.feeds, m.ep).then(
          (r) =>
            this.post({ v: 1, type: 'ort-result', runId: m.runId, callId: m.callId, outputs: r.outputs, ms: r.ms }),
          (err: Error) => this.post({ v: 1, type: 'ort-error', runId: m.runId, callId: m.callId, message: err.message })
        );
        break;
      default:
        assertNever(m);
    }
  }

  dispose(): void {
    this.stopActive('stopped');
    this.reset();
    window.removeEventListener('message', this.onMessage);
  }
}
