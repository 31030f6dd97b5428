/**
 * Schemas for every message of the protocol (../protocol.ts), with the size limits of ./limits.ts.
 * Each receiver parses what arrives with these and drops what does not fit: a message never
 * throws on the page, however it was forged. Parsing never trusts a size it has not checked, so a
 * huge list or record is refused before its elements are looked at.
 */
import { z } from 'zod';
import type { SweepPoint } from '$lib/bench/types';
import {
  BACKENDS,
  type FrameMessage,
  type HostMessage,
  type OutputKind,
  PROTOCOL_VERSION,
  RUN_MODES,
  type SandboxMessage
} from '../protocol';
import { LIMITS } from './limits';

// No code generation: the app's pages forbid eval (CSP), and zod's probe for it would be reported.
z.config({ jitless: true });

const int = z.number().int();
const count = int.min(0).max(Number.MAX_SAFE_INTEGER);
const id = int.min(1).max(Number.MAX_SAFE_INTEGER);
const label = z.string().max(LIMITS.label);
const text = z.string().max(LIMITS.text);
/** Any number, NaN and ±Infinity included (timings and plotted values may be either). */
const anyNumber = z.custom<number>((v) => typeof v === 'number', { error: 'expected a number' });

/** A list, refused by its length before its elements are parsed. */
function list<T extends z.ZodType>(element: T, max: number) {
  return z
    .custom<unknown[]>((v) => Array.isArray(v) && v.length <= max, {
      error: `expected a list of at most ${max.toLocaleString('en-US')} items`
    })
    .pipe(z.array(element));
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** A plain object with string keys, refused by its number of keys before its values are parsed. */
function record<T extends z.ZodType>(value: T, maxKeys: number) {
  return z
    .custom<Record<string, unknown>>((v) => isRecord(v) && Object.keys(v).length <= maxKeys, {
      error: `expected an object with at most ${maxKeys} entries`
    })
    .pipe(z.record(label, value));
}

function elements(shape: number[]): number {
  let n = 1;
  for (const d of shape) n = Math.min(n * d, Number.MAX_SAFE_INTEGER);
  return n;
}

const isPlainBuffer = (b: ArrayBufferLike) => Object.prototype.toString.call(b) === '[object ArrayBuffer]';

export const wireTensorSchema = z
  .object({
    shape: list(int.min(0).max(LIMITS.tensorElements), LIMITS.tensorRank),
    data: z.instanceof(Float32Array, { error: 'expected tensor data as a Float32Array' })
  })
  .refine((t) => isPlainBuffer(t.data.buffer), { error: 'tensor data must not be shared memory' })
  .refine((t) => t.data.length <= LIMITS.tensorElements, {
    error: `a tensor holds at most ${LIMITS.tensorElements.toLocaleString('en-US')} elements`
  })
  .refine((t) => elements(t.shape) === t.data.length, {
    error: 'the tensor data length must equal the product of its shape'
  });

export const tensorsSchema = record(wireTensorSchema, LIMITS.tensorsPerCall);

export const modelSchema = z
  .instanceof(Uint8Array, { error: 'the model must be ONNX bytes (a Uint8Array), never a URL or a name' })
  .refine((m) => isPlainBuffer(m.buffer), { error: 'the model must not be shared memory' })
  .refine((m) => m.byteLength > 0 && m.byteLength <= LIMITS.modelBytes, {
    error: `the model must hold between 1 byte and ${LIMITS.modelBytes / 1024 / 1024} MiB`
  });

/** A compiled AssemblyScript module: WebAssembly bytes, never a URL. */
export const simdModuleSchema = z
  .instanceof(Uint8Array, { error: 'a compiled module must be WebAssembly bytes (a Uint8Array)' })
  .refine((m) => isPlainBuffer(m.buffer), { error: 'a compiled module must not be shared memory' })
  .refine((m) => m.byteLength >= 8 && m.byteLength <= LIMITS.simdModuleBytes, {
    error: `a compiled module must hold between 8 bytes and ${LIMITS.simdModuleBytes / 1024 / 1024} MiB`
  });

export const backendSchema = z.enum(BACKENDS, {
  error: `the execution provider must be one of ${BACKENDS.join(', ')}`
});

/** What onnx.run sends to onnxruntime: only bytes, a known execution provider, and typed feeds. */
export const ortCallSchema = z.object({ model: modelSchema, feeds: tensorsSchema, ep: backendSchema });

const runRequestSchema = z.object({
  lesson: z
    .string()
    .regex(/^[a-z0-9-]{1,100}$/)
    .nullable(),
  files: record(z.string().max(LIMITS.fileChars), LIMITS.files),
  mode: z.enum(RUN_MODES),
  backend: backendSchema,
  sweep: z.object({
    n: list(int.min(1).max(2 ** 30), LIMITS.sweepLengths),
    warmup: int.min(0).max(1_000),
    repeats: int.min(0).max(1_000),
    budgetMs: z
      .number()
      .min(0)
      .max(24 * 3_600_000)
  }),
  wasmBudgetBytes: int.min(0).max(2 ** 40),
  modules: record(simdModuleSchema, LIMITS.files).optional()
});

const deviceSchema = z.object({
  backend: backendSchema,
  adapter: label.nullable(),
  timestamps: z.boolean(),
  limits: z.object({ maxStorageBufferBindingSize: count, maxBufferSize: count }).nullable()
});

const pointSchema: z.ZodType<SweepPoint> = z.object({
  series: label,
  n: count,
  status: z.enum(['measured', 'skipped-limit', 'skipped-time', 'error']),
  medianMs: anyNumber.optional(),
  p25Ms: anyNumber.optional(),
  p75Ms: anyNumber.optional(),
  samplesMs: list(anyNumber, LIMITS.samples).optional(),
  timer: z.enum(['gpu-timestamp', 'ort-run', 'wall']).optional(),
  peakBytes: anyNumber.optional(),
  reason: text.optional()
});

/** [x, y] pairs of numbers, checked in one pass (a plot may hold thousands). */
const pointsSchema = z.custom<[number, number][]>(
  (v) =>
    Array.isArray(v) &&
    v.length <= LIMITS.pointsPerPlot &&
    v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number'),
  { error: `expected at most ${LIMITS.pointsPerPlot} [x, y] pairs of numbers` }
);

const axisSchema = z.object({ label, log: z.boolean().optional() });

const plotSchema = z
  .object({
    id: label,
    title: label,
    x: axisSchema,
    y: axisSchema,
    series: list(z.object({ label, points: pointsSchema, dashed: z.boolean().optional() }), LIMITS.seriesPerPlot)
  })
  .refine((p) => p.series.reduce((n, s) => n + s.points.length, 0) <= LIMITS.pointsPerPlot, {
    error: `a plot holds at most ${LIMITS.pointsPerPlot} points`
  });

const checkSchema = z.object({
  id: label,
  title: label,
  status: z.enum(['pass', 'fail', 'skipped']),
  message: text,
  key: label.optional(),
  params: record(z.union([text, anyNumber]), LIMITS.params).optional(),
  parts: list(
    z.object({ key: label, params: record(z.union([text, anyNumber]), LIMITS.params).optional() }),
    LIMITS.parts
  ).optional()
});

const errorSchema = z.object({
  kind: z.enum(['compile', 'runtime', 'wgsl', 'timeout', 'api']),
  message: text,
  file: label.optional(),
  line: count.optional(),
  column: count.optional(),
  more: list(
    z.object({ file: label, line: count, column: count, message: text, severity: z.enum(['error', 'warning']) }),
    LIMITS.diagnostics
  ).optional()
});

const v = z.literal(PROTOCOL_VERSION);
const droppedSchema = z
  .object({ log: count, point: count, plot: count, check: count, error: count } satisfies Record<OutputKind, unknown>)
  .partial();

type Schemas<M extends { type: string }> = { [K in M['type']]: z.ZodType<Extract<M, { type: K }>> };

const hostSchemas: Schemas<HostMessage> = {
  run: z.object({ v, type: z.literal('run'), runId: id, request: runRequestSchema }),
  stop: z.object({ v, type: z.literal('stop'), runId: id }),
  'ort-result': z.object({
    v,
    type: z.literal('ort-result'),
    runId: id,
    callId: id,
    outputs: tensorsSchema,
    ms: z.number().min(0)
  }),
  'ort-error': z.object({ v, type: z.literal('ort-error'), runId: id, callId: id, message: text })
};

const sandboxSchemas: Schemas<SandboxMessage> = {
  started: z.object({ v, type: z.literal('started'), runId: id, device: deviceSchema }),
  log: z.object({
    v,
    type: z.literal('log'),
    runId: id,
    level: z.enum(['log', 'warn', 'error']),
    text: z.string().max(LIMITS.logText)
  }),
  point: z.object({ v, type: z.literal('point'), runId: id, point: pointSchema }),
  plot: z.object({ v, type: z.literal('plot'), runId: id, plot: plotSchema }),
  check: z.object({ v, type: z.literal('check'), runId: id, result: checkSchema }),
  error: z.object({ v, type: z.literal('error'), runId: id, error: errorSchema }),
  done: z.object({
    v,
    type: z.literal('done'),
    runId: id,
    ok: z.boolean(),
    leakedGpuBuffers: count,
    liveGpuBuffers: count,
    dropped: droppedSchema.optional()
  }),
  'ort-run': z.object({ v, type: z.literal('ort-run'), runId: id, callId: id }).extend(ortCallSchema.shape)
};

const frameSchemas: Schemas<FrameMessage> = {
  ...sandboxSchemas,
  ready: z.object({ v, type: z.literal('ready') })
};

/**
 * The result of parsing: the message, or why it was refused. A refused message's type, run id and
 * call id are given when they were readable, so that a refused onnx.run can be answered.
 */
export type Parsed<M> =
  { ok: true; message: M } | { ok: false; reason: string; type?: string; runId?: number; callId?: number };

/** The first issue, as `path: message`, short enough for one line of the console. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return (path ? `${path}: ${issue.message}` : issue.message).slice(0, 300);
}

const safeId = (x: unknown) => (id.safeParse(x).success ? (x as number) : undefined);

function parseWith<M extends { type: string }>(schemas: Schemas<M>, data: unknown): Parsed<M> {
  if (typeof data !== 'object' || data === null) return { ok: false, reason: 'not a message object' };
  const m = data as { v?: unknown; type?: unknown; runId?: unknown; callId?: unknown };
  const runId = safeId(m.runId);
  if (m.v !== PROTOCOL_VERSION) return { ok: false, reason: `unknown protocol version`, runId };
  const type = typeof m.type === 'string' ? m.type.slice(0, 40) : undefined;
  if (type === undefined || !Object.hasOwn(schemas, type)) {
    return { ok: false, reason: `unknown message type ${JSON.stringify(type ?? typeof m.type)}`, runId };
  }
  const r = schemas[type as M['type']].safeParse(data);
  if (r.success) return { ok: true, message: r.data as M };
  return { ok: false, reason: `${type}: ${describeIssue(r.error)}`, type, runId, callId: safeId(m.callId) };
}

export const parseHostMessage = (data: unknown): Parsed<HostMessage> => parseWith(hostSchemas, data);
export const parseSandboxMessage = (data: unknown): Parsed<SandboxMessage> => parseWith(sandboxSchemas, data);
export const parseFrameMessage = (data: unknown): Parsed<FrameMessage> => parseWith(frameSchemas, data);

/** Why onnx.run's arguments would be refused, or null when they are fine. */
export function ortCallProblem(model: unknown, feeds: unknown, ep: unknown): string | null {
  const r = ortCallSchema.safeParse({ model, feeds, ep });
  return r.success ? null : describeIssue(r.error);
}
