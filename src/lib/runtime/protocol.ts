/**
 * The messages between the app (the host page), the sandbox frame (an opaque-origin iframe) and
 * the run worker inside it, and between the app and its onnxruntime worker (ort/messages.ts).
 * Every message carries the protocol version and, past `ready`, its run's id. Receivers validate
 * each message against the schemas in protocol/schemas.ts and drop what does not fit; the limits
 * on sizes and counts are in protocol/limits.ts.
 *
 * The run worker talks to the frame over a MessagePort that the harness holds before any learner
 * code runs: what learner code posts with `self.postMessage` never reaches the page.
 */
import type { SweepPoint } from '$lib/bench/types';
import { BACKENDS, type Backend } from './backends';

export { BACKENDS, type Backend };

export const PROTOCOL_VERSION = 2;
type V = typeof PROTOCOL_VERSION;

export const RUN_MODES = ['run', 'check', 'sweep'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** A tensor on the wire: float32 data with its shape (data.length is the product of the shape). */
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
  /**
   * The run's compiled AssemblyScript (`*.as.ts`) as WebAssembly bytes, by file name: compiled by
   * the app's compiler worker (runtime/simd/) before the run is posted; instantiated in the sandbox.
   */
  modules?: Record<string, Uint8Array>;
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
  /** Message key (for translation) and its parameters, when the check gave them. */
  key?: string;
  params?: Record<string, string | number>;
  /** A message joined from several (a result and a hint): each part's key and parameters, in order. */
  parts?: MessagePart[];
}

export interface MessagePart {
  key: string;
  params?: Record<string, string | number>;
}

export interface DeviceInfo {
  backend: Backend;
  adapter: string | null;
  timestamps: boolean;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number } | null;
}

/** The kinds of output a run sends to the page, each capped per run (protocol/limits.ts). */
export type OutputKind = 'log' | 'point' | 'plot' | 'check' | 'error';

/** Host → frame (and, for the ort replies, on to the run worker). */
export type HostMessage =
  | { v: V; type: 'run'; runId: number; request: RunRequest }
  | { v: V; type: 'stop'; runId: number }
  | { v: V; type: 'ort-result'; runId: number; callId: number; outputs: Record<string, WireTensor>; ms: number }
  | { v: V; type: 'ort-error'; runId: number; callId: number; message: string };

/** Run worker → frame → host. */
export type SandboxMessage =
  | { v: V; type: 'started'; runId: number; device: DeviceInfo }
  | { v: V; type: 'log'; runId: number; level: 'log' | 'warn' | 'error'; text: string }
  | { v: V; type: 'point'; runId: number; point: SweepPoint }
  | { v: V; type: 'plot'; runId: number; plot: PlotData }
  | { v: V; type: 'check'; runId: number; result: CheckResult }
  | { v: V; type: 'error'; runId: number; error: LearnerError }
  /**
   * leakedGpuBuffers: buffers the code left alive (the lab destroyed them); liveGpuBuffers: what is
   * left after that; dropped: output over the per-run caps, counted by the worker and the frame.
   */
  | {
      v: V;
      type: 'done';
      runId: number;
      ok: boolean;
      leakedGpuBuffers: number;
      liveGpuBuffers: number;
      dropped?: Partial<Record<OutputKind, number>>;
    }
  | {
      v: V;
      type: 'ort-run';
      runId: number;
      callId: number;
      model: Uint8Array;
      feeds: Record<string, WireTensor>;
      ep: Backend;
    };

/** Frame → host: the run's messages, and `ready` once the frame's script is listening. */
export type FrameMessage = { v: V; type: 'ready' } | SandboxMessage;
