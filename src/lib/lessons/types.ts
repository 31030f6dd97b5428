/**
 * What a lesson's checks.ts provides, and what its checks and sweep receive. The same harness runs
 * in the sandbox worker (Check and Run buttons) and in vitest (tests/lessons.test.ts).
 */
import type * as LabModule from 'lab';

export type Lab = typeof LabModule;
export type Backend = LabModule.Backend;

export interface LessonContext {
  /** The exports of the learner's main.ts. */
  learner: Record<string, unknown>;
  lab: Lab;
  backend: Backend;
}

export interface CheckOutcome {
  pass: boolean;
  message: string;
}

export interface Check {
  id: string;
  title: string;
  /** Backends this check applies to; all when absent. */
  backends?: Backend[];
  run(ctx: LessonContext): Promise<CheckOutcome> | CheckOutcome;
}

export interface LessonHarness {
  checks: Check[];
  /** Run the lesson's sweep over these sequence lengths; series stream to the charts through lab.sweep. */
  sweep(ctx: LessonContext, n: number[]): Promise<void>;
}

/** One buffer of an analytic memory model. */
export interface BufferModel {
  name: string;
  bytes: number;
}

/** A lesson's memory.ts: analytic bytes as functions of N, for the charts and the device-limit check. */
export interface MemoryModel {
  /** Label of the analytic curve on the memory chart. */
  label: string;
  /** The buffers one run needs at sequence length n. */
  buffers(n: number): BufferModel[];
  /**
   * Floating-point operations of one run at sequence length n (2 per multiply–add), for the series
   * with this label (a lesson with several series answers per series; undefined where not meaningful).
   */
  flops?(n: number, series: string): number | undefined;
}

export function bytesOf(model: MemoryModel, n: number): { largest: number; total: number } {
  const b = model.buffers(n);
  return { largest: Math.max(0, ...b.map((x) => x.bytes)), total: b.reduce((a, x) => a + x.bytes, 0) };
}
