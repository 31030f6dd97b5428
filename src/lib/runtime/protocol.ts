/**
 * The messages between the app (host page), the sandbox iframe and the run worker inside it.
 * Every message carries the protocol version; a receiver ignores what it does not recognise and
 * checks `event.source`, so a page cannot be driven by stray messages.
 */
import type { SweepPoint } from '$lib/bench/types';

export const PROTOCOL_VERSION = 1;

export type Backend = 'webgpu' | 'wasm';
export type RunMode = 'run' | 'check' | 'sweep';

/** A tensor on the wire: float32 data with its shape. */
export interface WireTensor {
  shape: number[];
  data: Float32Array;
}

export interface SweepSettings {
  n: number[];
  warmup: number;
  repeats: number;
  budgetMs: number;
}

export interface RunRequest {
  /** Lesson slug whose checks and sweep apply, or null for the playground. */
  lesson: string | null;
  /** The learner's files by name (main.ts, attention.wgsl, …). */
  files: Record<string, string>;
  mode: RunMode;
  backend: Backend;
  sweep: SweepSettings;
  /** Memory budget for the WASM backend (bytes). */
  wasmBudgetBytes: number;
}

/** A learner- or lesson-drawn chart (lab.plot). */
export interface PlotData {
  id: string;
  title: string;
  x: { label: string; log?: boolean };
  y: { label: string; log?: boolean };
  series: { label: string; points: [number, number][]; dashed?: boolean }[];
}

export type ErrorKind = 'compile' | 'runtime' | 'wgsl' | 'timeout' | 'api';

/** An error in the learner's code, located in the learner's own file and line when known. */
export interface LearnerError {
  kind: ErrorKind;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** Several WGSL diagnostics can come from one compile. */
  more?: { file: string; line: number; column: number; message: string; severity: 'error' | 'warning' }[];
}

export interface CheckResult {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skipped';
  message: string;
}

export interface DeviceInfo {
  backend: Backend;
  adapter: string | null;
  timestamps: boolean;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number } | null;
}

/** Host → sandbox. */
export type HostMessage =
  | { v: 1; type: 'run'; runId: number; request: RunRequest }
  | { v: 1; type: 'stop'; runId: number }
  | { v: 1; type: 'ort-result'; runId: number; callId: number; outputs: Record<string, WireTensor>; ms: number }
  | { v: 1; type: 'ort-error'; runId: number; callId: number; message: string };

/** Sandbox → host. */
export type SandboxMessage =
  | { v: 1; type: 'ready' }
  | { v: 1; type: 'started'; runId: number; device: DeviceInfo }
  | { v: 1; type: 'log'; runId: number; level: 'log' | 'warn' | 'error'; text: string }
  | { v: 1; type: 'point'; runId: number; point: SweepPoint }
  | { v: 1; type: 'plot'; runId: number; plot: PlotData }
  | { v: 1; type: 'check'; runId: number; result: CheckResult }
  | { v: 1; type: 'error'; runId: number; error: LearnerError }
  /** leakedGpuBuffers: buffers the code left alive (the lab destroyed them); liveGpuBuffers: what is left after that. */
  | { v: 1; type: 'done'; runId: number; ok: boolean; leakedGpuBuffers: number; liveGpuBuffers: number }
  | {
      v: 1;
      type: 'ort-run';
      runId: number;
      callId: number;
      model: Uint8Array;
      feeds: Record<string, WireTensor>;
      ep: Backend;
    };

export function isSandboxMessage(data: unknown): data is SandboxMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { v?: unknown }).v === PROTOCOL_VERSION &&
    typeof (data as { type?: unknown }).type === 'string'
  );
}

export function isHostMessage(data: unknown): data is HostMessage {
  return isSandboxMessage(data);
}

/** For exhaustive switches: a new message type that is not handled fails the type check. */
export function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}
