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
  /** The same (frozen) lab the learner's modules imported. */
  lab: Lab;
  backend: Backend;
  /**
   * Run `fn` (usually one call of the learner's function) and record what it did through the lab:
   * every allocation, dispatch and ONNX graph run. The record is kept by the harness, out of reach
   * of learner modules, so the learner's code cannot report its own counts.
   */
  probe<R>(fn: () => Promise<R> | R): Promise<{ result: R; record: ProbeRecord }>;
}

/** One allocation made through the lab during a probe: a GPU buffer or a lab tensor. */
export interface ProbeAllocation {
  kind: 'gpu' | 'tensor';
  label: string;
  bytes: number;
}

/** One compute dispatch made during a probe. */
export interface ProbeDispatch {
  /** The learner's file the WGSL came from (or 'shader.wgsl'). */
  file: string;
  entryPoint: string;
  workgroups: [number, number, number];
  /** How many times the dispatch was repeated in one submission. */
  repeat: number;
  /**
   * Element reads per read-only storage binding (`var<storage, read>`), by the binding's variable
   * name, summed over every invocation and repeat: counted by an instrumented copy of the shader
   * that the harness compiles. Null when the shader could not be instrumented.
   */
  reads: Record<string, number> | null;
}

/** One ONNX graph run during a probe. */
export interface ProbeGraphRun {
  /** Op types of the graph's nodes, in order. */
  ops: string[];
  /** Every value of the graph (inputs, intermediates, outputs) with its static shape. */
  values: { name: string; shape: number[] }[];
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  /** float32 elements sent to onnxruntime plus elements received back. */
  transferred: number;
}

export interface ProbeRecord {
  allocations: ProbeAllocation[];
  dispatches: ProbeDispatch[];
  graphs: ProbeGraphRun[];
}

export interface CheckOutcome {
  pass: boolean;
  /** The message in English, built from `key` and `params`. */
  message: string;
  /** Message key (for translation), e.g. 'kit.mismatch' or '01-attention.not-causal'. */
  key?: string;
  params?: Record<string, string | number>;
  /** A message joined from several: each part's key and parameters, in order (translated one by one). */
  parts?: { key: string; params?: Record<string, string | number> }[];
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
