/**
 * Runs one series of a sweep: for each sequence length, check the analytic bytes against the
 * device's limits, make the inputs, warm up, time the repeats, and report the median and spread.
 * Points stream out one by one so the charts fill while the sweep runs. A point that is predicted
 * to overrun the time budget is not started: the sweep says so instead of freezing the page.
 */
import { formatBytes, formatMs } from './format';
import type { MemoryTracker } from './memory';
import { logLogSlope, summarize } from './stats';
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
  takeDeviceTime(): { ms: number; timer: TimerKind } | null;
  emit(point: SweepPoint): void;
  /** Release what setup allocated for one point (GPU buffers), so the next point starts clean. */
  endPoint?(): void;
}

/** The reason a point cannot run on this device, or null when it fits. */
export function limitReason(
  bytes: { largest: number; total: number },
  limits: DeviceLimits
): string | null {
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
  let last: { n: number; ms: number } | null = null;
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
      const predicted = last.ms * Math.pow(n / last.n, k) * (spec.warmup + spec.repeats);
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
    try {
      const pointStart = env.now();
      const input = await spec.setup(n);
      for (let i = 0; i < spec.warmup; i++) {
        await spec.run(input, n);
        env.takeDeviceTime();
      }
      const samples: number[] = [];
      let timer: TimerKind = 'wall';
      let peak = 0;
      for (let i = 0; i < spec.repeats; i++) {
        env.tracker.resetPeak();
        const base0 = env.tracker.current;
        const t0 = env.now();
        await spec.run(input, n);
        const wall = env.now() - t0;
        peak = Math.max(peak, env.tracker.peak - base0);
        const device = env.takeDeviceTime();
        if (device) timer = device.timer;
        samples.push(device ? device.ms : wall);
      }
      // Inputs made by setup count too: they are live while the point runs.
      const inputBytes = env.tracker.current;
      const s = summarize(samples);
      emit({
        ...base,
        status: 'measured',
        medianMs: s.median,
        p25Ms: s.p25,
        p75Ms: s.p75,
        samplesMs: samples,
        timer,
        peakBytes: peak + inputBytes
      });
      // Predict from wall time per run (uploads and read-backs included), not the kernel time alone.
      prev = last;
      last = { n, ms: Math.max((env.now() - pointStart) / (spec.warmup + spec.repeats), 1e-3) };
    } catch (e) {
      emit({ ...base, status: 'error', reason: e instanceof Error ? e.message : String(e) });
      env.endPoint?.();
      break;
    }
    env.endPoint?.();
  }
  return points;
}
