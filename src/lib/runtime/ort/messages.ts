/**
 * Messages between the app and its onnxruntime-web worker, and their schemas. Both sides parse
 * what they receive: a request carries only model bytes, a known execution provider and typed
 * feeds (a string model would make onnxruntime fetch a URL); a reply carries bounded tensors.
 */
import { z } from 'zod';
import type { Backend, WireTensor } from '../protocol';
import { LIMITS } from '../protocol/limits';
import { type Parsed, describeIssue, ortCallSchema, tensorsSchema } from '../protocol/schemas';

export type OrtRequest =
  | { type: 'run'; id: number; model: Uint8Array; feeds: Record<string, WireTensor>; ep: Backend }
  /** The caller no longer wants this run's result: skip it if it has not started. */
  | { type: 'cancel'; id: number };

export type OrtResponse =
  | { id: number; ok: true; ms: number; outputs: Record<string, WireTensor> }
  | { id: number; ok: false; message: string };

const id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const requestSchema: z.ZodType<OrtRequest> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run'), id }).extend(ortCallSchema.shape),
  z.object({ type: z.literal('cancel'), id })
]);

const responseSchema: z.ZodType<OrtResponse> = z.discriminatedUnion('ok', [
  z.object({ id, ok: z.literal(true), ms: z.number().min(0), outputs: tensorsSchema }),
  z.object({ id, ok: z.literal(false), message: z.string().max(LIMITS.text) })
]);

function parse<T>(schema: z.ZodType<T>, data: unknown): Parsed<T> {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, message: r.data };
  const raw = (typeof data === 'object' && data !== null ? data : {}) as { id?: unknown };
  return {
    ok: false,
    reason: describeIssue(r.error),
    callId: id.safeParse(raw.id).success ? (raw.id as number) : undefined
  };
}

export const parseOrtRequest = (data: unknown) => parse(requestSchema, data);
export const parseOrtResponse = (data: unknown) => parse(responseSchema, data);
