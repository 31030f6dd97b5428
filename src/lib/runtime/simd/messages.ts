/**
 * Messages between the app and its AssemblyScript compiler worker, and their schemas: the
 * request carries the run's `.as.ts` sources; the reply carries module bytes (each capped) and
 * located diagnostics. Both sides parse what they receive.
 */
import { z } from 'zod';
import { LIMITS } from '../protocol/limits';
import { type Parsed, describeIssue, simdModuleSchema } from '../protocol/schemas';
import type { Diagnostic } from './compile';

export interface CompileRequest {
  id: number;
  files: Record<string, string>;
}

export type CompileResponse =
  | { id: number; ok: true; modules: Record<string, Uint8Array>; diagnostics: Diagnostic[]; ms: number }
  | { id: number; ok: false; message: string };

const id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const name = z.string().max(LIMITS.label);
const diagnostic = z.object({
  file: name,
  line: z.number().int().min(0),
  column: z.number().int().min(0),
  message: z.string().max(LIMITS.text),
  severity: z.enum(['error', 'warning'])
});

const requestSchema = z.object({
  id,
  files: z.record(name, z.string().max(LIMITS.fileChars)).refine((f) => Object.keys(f).length <= LIMITS.files)
});

const responseSchema = z.union([
  z.object({
    id,
    ok: z.literal(true),
    modules: z.record(name, simdModuleSchema).refine((m) => Object.keys(m).length <= LIMITS.files),
    diagnostics: z.array(diagnostic).max(LIMITS.diagnostics),
    ms: z.number().min(0)
  }),
  z.object({ id, ok: z.literal(false), message: z.string().max(LIMITS.text) })
]);

function parse<T>(schema: z.ZodType<T>, data: unknown): Parsed<T> {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, message: r.data };
  const raw = (data ?? {}) as { id?: unknown };
  return {
    ok: false,
    reason: describeIssue(r.error),
    callId: id.safeParse(raw.id).success ? (raw.id as number) : undefined
  };
}

export const parseCompileRequest = (data: unknown) => parse<CompileRequest>(requestSchema, data);
export const parseCompileResponse = (data: unknown) => parse<CompileResponse>(responseSchema, data);
