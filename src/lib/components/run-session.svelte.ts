/**
 * One run session: the sandbox, the run in progress, and everything it streams back (points,
 * plots, checks, errors, console, device, live GPU buffers, progress). The lesson workbench, the
 * playground and the compare page all run code through one of these, so the sandbox plumbing and
 * its guarantees live in one place:
 * - what streams in is applied at most once per animation frame, and bounded, so learner output
 *   cannot keep the page from answering a click;
 * - Stop gives the page back at once: nothing from the stopped run is waited on or applied later
 *   (the host replaces the iframe; a WGSL loop that never ends may keep its worker busy forever).
 */
import type { SweepPoint } from '$lib/bench/types';
import { SeriesNamer } from '$lib/charts/labels';
import { t } from '$lib/i18n';
import { type LessonText, englishText } from '$lib/i18n/lesson-text';
import type { CheckResult, DeviceInfo, LearnerError, PlotData, RunMode, RunRequest } from '$lib/runtime/protocol';
import { type CompileInfo, type RunHandle, type RunOutcome, Sandbox } from '$lib/runtime/sandbox/host';
import { ConsoleBuffer, type LogLevel, nextFrame } from './console-buffer.svelte';

export type RunStatus = 'idle' | RunOutcome['status'];

/** Bounds on what one session keeps; beyond them the page would slow down, not get more useful. */
export const MAX_POINTS = 10_000;
export const MAX_PLOTS = 64;
export const MAX_ERRORS = 50;
export const MAX_CHECKS = 500;

export interface SessionRunOptions {
  /** Keep what earlier runs produced (the compare page sweeps several lessons into one chart). */
  append?: boolean;
  /** Rename or tag each point before it is kept. */
  mapPoint?: (point: SweepPoint) => SweepPoint;
  mapError?: (error: LearnerError) => LearnerError;
  /** Also hear each console line (the compare page reads a result from it). */
  onLog?: (level: LogLevel, text: string) => void;
}

/** Whether the reader asked for reduced motion (then a plot redrawn during a run is drawn again only at its end). */
const reducedMotion = () => typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

/** Messages longer than this are cut: a check or error message is read, not scrolled. */
export const MAX_MESSAGE_CHARS = 4000;

function clip(text: string): string {
  const s = String(text);
  return s.length <= MAX_MESSAGE_CHARS
    ? s
    : `${s.slice(0, MAX_MESSAGE_CHARS)}… (${s.length - MAX_MESSAGE_CHARS} more characters)`;
}

type Incoming =
  | { kind: 'point'; point: SweepPoint }
  | { kind: 'plot'; plot: PlotData }
  | { kind: 'check'; result: CheckResult }
  | { kind: 'error'; error: LearnerError };

/** Every attached session, so that the page can tell whether any run is in progress (an update waits for it). */
// Membership need not be reactive: what renders reads each session's own (reactive) `running`.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const sessions = new Set<RunSession>();

/** Whether a run is in progress anywhere on the page (reactive: reads each session's state). */
export function anyRunning(): boolean {
  for (const s of sessions) if (s.running) return true;
  return false;
}

export class RunSession {
  /** The mode of the run in progress, or null when the page is free. */
  mode = $state<RunMode | null>(null);
  /** How the last run ended ('idle' before any). */
  status = $state<RunStatus>('idle');
  points = $state.raw<SweepPoint[]>([]);
  /** The last run's AssemblyScript compile (simd backend), shown under the status line. */
  compiled = $state.raw<CompileInfo | null>(null);
  plots = $state.raw<PlotData[]>([]);
  checks = $state.raw<CheckResult[]>([]);
  errors = $state.raw<LearnerError[]>([]);
  device = $state.raw<DeviceInfo | null>(null);
  liveGpuBuffers = $state<number | null>(null);
  /** The series being swept and how many of its points arrived. */
  progress = $state.raw<{ series: string; done: number } | null>(null);
  /** Wall time of the last finished run. */
  elapsedMs = $state(0);
  /** Points, checks or errors past the session's bounds, not kept. */
  discarded = $state(0);
  readonly console = new ConsoleBuffer();

  #sandbox: Sandbox | null = null;
  #handle: RunHandle | null = null;
  /** Bumped by every start and Stop: a callback from an older run is ignored. */
  #token = 0;
  #queue: Incoming[] = [];
  #scheduled = false;
  /** Redraws of an already drawn plot held back under prefers-reduced-motion: shown once, when the run ends. */
  // Not reactive: only its contents at the end of a run are applied, through `plots`.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #held = new Map<string, PlotData>();
  #names = new SeriesNamer();
  /** Translates what the lesson's code shows into the page's language (the identity in English). */
  readonly #text: LessonText;

  constructor(text: LessonText = englishText) {
    this.#text = text;
  }
  // Counts behind `progress`, which is what renders.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #perSeries = new Map<string, number>();

  get running(): boolean {
    return this.mode !== null;
  }

  /** Make the sandbox (browser only: call from onMount). */
  attach(): void {
    this.#sandbox ??= new Sandbox();
    sessions.add(this);
  }

  dispose(): void {
    sessions.delete(this);
    this.#token++;
    this.#sandbox?.dispose();
    this.#sandbox = null;
    this.#handle = null;
  }

  /** Start a run; resolves with how it ended (at once after Stop). */
  async run(request: RunRequest, timeBudgetMs: number, options: SessionRunOptions = {}): Promise<RunStatus> {
    this.attach();
    const sandbox = this.#sandbox!;
    if (this.running) this.stop();
    const token = ++this.#token;
    this.mode = request.mode;
    this.status = 'idle';
    this.#queue = [];
    this.#held.clear();
    this.errors = options.append ? this.errors : [];
    if (request.mode === 'check') this.checks = [];
    if (!options.append) {
      this.console.clear();
      if (request.mode !== 'check') this.#clearResults();
    }
    this.#perSeries.clear();
    this.progress = null;
    this.compiled = null;
    this.discarded = 0;
    const live = () => token === this.#token;
    const t0 = performance.now();
    const handle = sandbox.run(
      request,
      {
        onStarted: (d) => {
          if (live()) this.device = d;
        },
        onCompiled: (info) => {
          if (live()) this.compiled = info;
        },
        onPoint: (p) => live() && this.#enqueue({ kind: 'point', point: options.mapPoint ? options.mapPoint(p) : p }),
        onPlot: (p) => live() && this.#enqueue({ kind: 'plot', plot: p }),
        onCheck: (r) => live() && this.#enqueue({ kind: 'check', result: r }),
        onError: (e) => live() && this.#enqueue({ kind: 'error', error: options.mapError ? options.mapError(e) : e }),
        onLog: (level, text) => {
          if (!live()) return;
          this.console.push(level, text);
          options.onLog?.(level, text);
        }
      },
      timeBudgetMs
    );
    this.#handle = handle;
    const outcome = await handle.done;
    if (!live()) return 'stopped';
    this.#flush();
    // An animation (a plot redrawn step by step) shows its final state under reduced motion.
    if (this.#held.size > 0) {
      this.plots = this.plots.map((x) => this.#held.get(x.id) ?? x);
      this.#held.clear();
    }
    if (this.discarded > 0) this.console.push('warn', t('console.discarded', { count: this.discarded }));
    this.console.flush();
    this.#handle = null;
    this.mode = null;
    this.status = outcome.status;
    this.liveGpuBuffers = outcome.liveGpuBuffers;
    this.elapsedMs = performance.now() - t0;
    return outcome.status;
  }

  /** Forget every result (before a series of appending runs). */
  clear(): void {
    this.#clearResults();
    this.checks = [];
    this.errors = [];
    this.console.clear();
  }

  #clearResults(): void {
    this.points = [];
    this.plots = [];
    this.#names = new SeriesNamer();
  }

  /** Stop the run in progress; the page is free again before this returns. */
  stop(): void {
    if (!this.running) return;
    const handle = this.#handle;
    // The host ends the run synchronously (it throws the iframe away, and with it the worker and
    // its GPU buffers); what it reports while doing so is still this run's. After that, nothing.
    try {
      handle?.stop();
    } finally {
      this.#token++;
      this.#flush();
      this.console.flush();
      this.#handle = null;
      this.mode = null;
      this.status = 'stopped';
      this.liveGpuBuffers = 0;
    }
  }

  #enqueue(item: Incoming): void {
    this.#queue.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    nextFrame(() => {
      if (this.#scheduled) this.#flush();
    });
  }

  /** Apply what arrived since the last frame: one reactive update per kind, not one per message. */
  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    let points: SweepPoint[] | null = null;
    let plots: PlotData[] | null = null;
    let checks: CheckResult[] | null = null;
    let errors: LearnerError[] | null = null;
    let discarded = this.discarded;
    for (const item of queue) {
      switch (item.kind) {
        case 'point': {
          const p = item.point;
          item.point = {
            ...p,
            series: this.#text.text(p.series),
            ...(p.reason && { reason: this.#text.text(p.reason) })
          };
          points ??= [...this.points];
          if (points.length >= MAX_POINTS) {
            discarded++;
            break;
          }
          const series = this.#names.name(item.point.series, item.point.n);
          points.push(series === item.point.series ? item.point : { ...item.point, series });
          const done = (this.#perSeries.get(series) ?? 0) + 1;
          this.#perSeries.set(series, done);
          this.progress = { series, done };
          break;
        }
        case 'plot': {
          item.plot = this.#text.plot(item.plot);
          plots ??= [...this.plots];
          const at = plots.findIndex((x) => x.id === item.plot.id);
          if (at >= 0 && this.running && reducedMotion()) this.#held.set(item.plot.id, item.plot);
          else if (at >= 0) plots[at] = item.plot;
          else if (plots.length < MAX_PLOTS) plots.push(item.plot);
          else discarded++;
          break;
        }
        case 'check':
          checks ??= [...this.checks];
          if (checks.length < MAX_CHECKS) {
            const result = this.#text.check(item.result);
            checks.push({ ...result, message: clip(result.message) });
          } else discarded++;
          break;
        case 'error':
          errors ??= [...this.errors];
          item.error = { ...item.error, message: clip(this.#text.text(item.error.message)) };
          // The same error can come from several checks: show it once.
          if (errors.some((x) => x.message === item.error.message)) break;
          if (errors.length < MAX_ERRORS) errors.push(item.error);
          else discarded++;
          break;
      }
    }
    if (points) this.points = points;
    if (plots) this.plots = plots;
    if (checks) this.checks = checks;
    if (errors) this.errors = errors;
    this.discarded = discarded;
  }
}
