/**
 * Runs one series of a sweep: for each sequence length, check the analytic bytes against the
 * device's limits, make the inputs, warm up, time the repeats, and report the median and spread.
 * Points stream out one by one so the charts fill while the sweep runs. A point that is predicted
 * to overrun the time budget is not started: the sweep says so instead of freezing the page.
 */
import { formatBytes, formatMs } from './format';
import type { MemoryTracker } from './memory';
import { logLogSlope, median, summarize } from './stats';
import type { DeviceLimits, SweepPoint, TimerKind } from './types';

export interface SweepSpec<Input> {
  label: string;
  n: readonly number[];
  setup(n: number): Input | Promise<Input>;
  run(input: Input, n: number): unknown | Promise<unknown>;
  warmup: number;
  repeats: number;
  bytes?(n: number): { largest: number; total: number };
}

export interface SweepEnv {
  now(): number;
  tracker: MemoryTracker;
  limits: DeviceLimits;
  /** Wall-clock budget for the whole series (ms). */
  budgetMs: number;
  /** Device-side time of the work since the last call (GPU timestamps or ORT run), if any was recorded. */
  takeDeviceTime(): DeviceTime | null;
  emit(point: SweepPoint): void;
  /** Mark the allocations made so far; `releaseSince(mark)` frees everything allocated after it. */
  mark?(): number;
  releaseSince?(mark: number): void;
}

/** What the lab recorded during one timed call: kernel time, which clock, and message-hop overhead. */
export interface DeviceTime {
  ms: number;
  timer: TimerKind;
  /** Time spent passing messages to and from onnxruntime's worker (not the code's work). */
  hopMs: number;
}

/**
 * One timed sample. GPU work is timed by its timestamps (the kernels alone). Code that ran ONNX
 * graphs is timed by the wall clock less the message hops to onnxruntime's worker, so CPU work
 * around the graphs still counts. Anything else is wall clock.
 */
export function sampleOf(wall: number, device: DeviceTime | null): { ms: number; timer: TimerKind } {
  if (!device) return { ms: wall, timer: 'wall' };
  if (device.timer === 'gpu-timestamp') return { ms: device.ms, timer: device.timer };
  return { ms: Math.max(device.ms, wall - device.hopMs), timer: device.timer };
}

/** A sample shorter than this is below what the clocks resolve (100 µs in a sandboxed page): batch it. */
export const MIN_SAMPLE_MS = 2;
/** The most back-to-back calls one sample may hold. */
export const MAX_BATCH = 100_000;

export type TimingEnv = Pick<SweepEnv, 'now' | 'tracker' | 'takeDeviceTime' | 'mark' | 'releaseSince'>;

/**
 * Warm up, then time `repeats` samples of `run`. Each call's allocations are released after it, so
 * repeats do not pile up, and its peak is measured on its own. When one call is too short for the
 * clock, each sample becomes the mean of enough back-to-back calls to last MIN_SAMPLE_MS.
 */
export async function timeRepeats(run: () => unknown, env: TimingEnv, warmup: number, repeats: number) {
  const once = async (inner: number) => {
    let wall = 0;
    let peak = 0;
    env.takeDeviceTime();
    for (let k = 0; k < inner; k++) {
      const mark = env.mark?.() ?? 0;
      env.tracker.resetPeak();
      const base = env.tracker.current;
      const t0 = env.now();
      await run();
      wall += env.now() - t0;
      peak = Math.max(peak, env.tracker.peak - base);
      env.releaseSince?.(mark);
    }
    const d = env.takeDeviceTime();
    const device = d ? { ...d, ms: d.ms / inner, hopMs: d.hopMs / inner } : null;
    return { wall: wall / inner, peak, sample: sampleOf(wall / inner, device) };
  };
  const samples: number[] = [];
  const walls: number[] = [];
  let timer: TimerKind = 'wall';
  let peak = 0;
  const keep = (r: Awaited<ReturnType<typeof once>>) => {
    samples.push(r.sample.ms);
    walls.push(r.wall);
    timer = r.sample.timer;
    peak = Math.max(peak, r.peak);
  };
  let last = null;
  for (let i = 0; i < warmup; i++) last = await once(1);
  if (!last) {
    // No warm-up: the first timed call also tells whether calls need batching; kept if long enough.
    last = await once(1);
    if (last.sample.ms >= MIN_SAMPLE_MS) keep(last);
  }
  let inner =
    last.sample.ms >= MIN_SAMPLE_MS
      ? 1
      : Math.min(MAX_BATCH, Math.ceil(MIN_SAMPLE_MS / Math.max(last.sample.ms, 0.01)));
  // Every sample must last MIN_SAMPLE_MS as a whole. The first guess can be wrong both ways: a call
  // far below the clock's resolution still reads 0 ms in a batch of 200, and a first call slowed by
  // compilation or a collection makes a fast call look long enough alone. A sample that is too short
  // is not kept: the batch grows and the sample is taken again (a 0 ms point would be listed as
  // measured and never drawn).
  while (samples.length < repeats) {
    const r = await once(inner);
    if (r.sample.ms * inner < MIN_SAMPLE_MS - 1e-9 && inner < MAX_BATCH) {
      inner = Math.min(MAX_BATCH, r.sample.ms > 0 ? Math.ceil(MIN_SAMPLE_MS / r.sample.ms) : inner * 10);
      continue;
    }
    keep(r);
  }
  return { samples, walls, timer, peak, inner };
}

/** The reason a point cannot run on this device, or null when it fits. */
export function limitReason(bytes: { largest: number; total: number }, limits: DeviceLimits): string | null {
  if (bytes.largest > limits.maxBindingBytes) {
    return `largest buffer ${formatBytes(bytes.largest)} exceeds ${limits.bindingLimitName} (${formatBytes(limits.maxBindingBytes)})`;
  }
  if (bytes.total > limits.maxTotalBytes) {
    return `needs ${formatBytes(bytes.total)}, over ${limits.totalLimitName} (${formatBytes(limits.maxTotalBytes)})`;
  }
  return null;
}

export async function runSweep<Input>(spec: SweepSpec<Input>, env: SweepEnv): Promise<SweepPoint[]> {
  const points: SweepPoint[] = [];
  const start = env.now();
  // Per point: the median wall time of one timed run, and the setup's time (inputs grow with N too).
  let last: { n: number; ms: number; setupMs: number } | null = null;
  let prev: { n: number; ms: number } | null = null;
  const emit = (p: SweepPoint) => {
    points.push(p);
    env.emit(p);
  };

  for (const n of spec.n) {
    const base = { series: spec.label, n };
    const bytes = spec.bytes?.(n);
    const over = bytes ? limitReason(bytes, env.limits) : null;
    if (over) {
      emit({ ...base, status: 'skipped-limit', reason: over });
      continue;
    }
    if (last) {
      // Predict from the growth seen so far (at least linear, at most cubic).
      const k = prev ? Math.min(3, Math.max(1, logLogSlope(prev.n, prev.ms, last.n, last.ms))) : 2;
      const predicted = last.setupMs * (n / last.n) + last.ms * Math.pow(n / last.n, k) * (spec.warmup + spec.repeats);
      const elapsed = env.now() - start;
      if (elapsed + predicted > env.budgetMs) {
        emit({
          ...base,
          status: 'skipped-time',
          reason: `would take about ${formatMs(predicted)}; the sweep's budget is ${formatMs(env.budgetMs)}`
        });
        continue;
      }
    }
    const pointMark = env.mark?.() ?? 0;
    try {
      const setupStart = env.now();
      const before = env.tracker.current;
      const input = await spec.setup(n);
      const setupMs = env.now() - setupStart;
      // What setup allocated (inputs uploaded once) is live during every repeat, so it counts.
      const setupBytes = env.tracker.current - before;
      const { samples, walls, timer, peak } = await timeRepeats(
        () => spec.run(input, n),
        env,
        spec.warmup,
        spec.repeats
      );
      const s = summarize(samples);
      emit({
        ...base,
        status: 'measured',
        medianMs: s.median,
        p25Ms: s.p25,
        p75Ms: s.p75,
        samplesMs: samples,
        timer,
        peakBytes: setupBytes + peak
      });
      // Predict the next point from the timed runs' wall time (uploads and read-backs included, the
      // warm-up's one-off shader compilation excluded) and from the setup's time.
      prev = last;
      last = { n, ms: Math.max(median(walls), 1e-3), setupMs };
    } catch (e) {
      emit({ ...base, status: 'error', reason: e instanceof Error ? e.message : String(e) });
      env.releaseSince?.(pointMark);
      throw e;
    }
    env.releaseSince?.(pointMark);
  }
  return points;
}
