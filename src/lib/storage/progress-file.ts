/**
 * A learner's progress as a file they can carry: exported from one browser, imported into another,
 * or handed to a teacher, whose /class page gathers many. Versioned; read back only through the
 * schema, so a foreign, damaged or newer file is refused with a reason and changes nothing.
 */
import { z } from 'zod';
import type { Progress } from './progress';

export const PROGRESS_FORMAT = 'speedlab-progress';
export const PROGRESS_VERSION = 1;
/** The largest file read (a class of thirty is thirty small files; this is far above one). */
export const MAX_PROGRESS_BYTES = 512 * 1024;

export const lessonProgressSchema = z.strictObject({
  passed: z.boolean(),
  /** The last Check: checks passed of total, or null if never checked. */
  checks: z
    .strictObject({ passed: z.number().int().min(0), total: z.number().int().min(0), at: z.number() })
    .nullable(),
  hintsOpened: z.number().int().min(0).max(10),
  solutionShown: z.boolean(),
  lastRun: z.number().min(0).nullable(),
  timeMs: z.number().min(0)
});

export const progressFileSchema = z.strictObject({
  format: z.literal(PROGRESS_FORMAT),
  version: z.literal(PROGRESS_VERSION),
  name: z.string().trim().min(1).max(100),
  exportedAt: z.string().max(40),
  lessons: z.record(z.string().regex(/^\d{2}-[a-z0-9-]{1,60}$/), lessonProgressSchema)
});

export type LessonProgress = z.infer<typeof lessonProgressSchema>;
export type ProgressFile = z.infer<typeof progressFileSchema>;

export type ParsedProgress = { ok: true; file: ProgressFile } | { ok: false; reason: string };

/** One lesson's progress as kept in this browser. */
export function lessonProgress(progress: Progress, slug: string): LessonProgress {
  return {
    passed: progress.passed(slug),
    checks: progress.lastChecks(slug),
    hintsOpened: progress.hintsOpened(slug),
    solutionShown: progress.solutionShown(slug),
    lastRun: progress.lastRun(slug),
    timeMs: Math.round(progress.timeMs(slug))
  };
}

/** Whether a lesson has been touched at all (untouched lessons are left out of the file). */
function touched(p: LessonProgress): boolean {
  return p.passed || p.checks !== null || p.hintsOpened > 0 || p.solutionShown || p.lastRun !== null || p.timeMs > 0;
}

export function exportProgress(
  progress: Progress,
  slugs: readonly string[],
  name: string,
  now = new Date()
): ProgressFile {
  const lessons: Record<string, LessonProgress> = {};
  for (const slug of slugs) {
    const p = lessonProgress(progress, slug);
    if (touched(p)) lessons[slug] = p;
  }
  return {
    format: PROGRESS_FORMAT,
    version: PROGRESS_VERSION,
    name: name.trim(),
    exportedAt: now.toISOString(),
    lessons
  };
}

/**
 * Writes a file's progress into this browser, lesson by lesson, keeping the better of the two where
 * they differ (passed stays passed; hints, time and the last run take the larger), so an import
 * never loses what this browser had. The code itself is not in the file.
 */
export function importProgress(progress: Progress, file: ProgressFile): number {
  let count = 0;
  for (const [slug, p] of Object.entries(file.lessons)) {
    const here = lessonProgress(progress, slug);
    if (p.passed) progress.setPassed(slug);
    if (p.checks && (!here.checks || p.checks.at > here.checks.at)) progress.setLastChecks(slug, p.checks);
    if (p.hintsOpened > here.hintsOpened) progress.setHintsOpened(slug, p.hintsOpened);
    if (p.solutionShown) progress.setSolutionShown(slug);
    if (p.lastRun !== null && (here.lastRun === null || p.lastRun > here.lastRun)) progress.setLastRun(slug, p.lastRun);
    if (p.timeMs > here.timeMs) progress.setTimeMs(slug, p.timeMs);
    count++;
  }
  return count;
}

/** Parses a file's text; the reason says what is wrong in words a teacher can act on. */
export function parseProgressFile(text: string): ParsedProgress {
  if (text.length > MAX_PROGRESS_BYTES)
    return { ok: false, reason: `too large (over ${MAX_PROGRESS_BYTES / 1024} KB)` };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON (is it a SpeedLab progress file?)' };
  }
  if (typeof data !== 'object' || data === null || (data as { format?: unknown }).format !== PROGRESS_FORMAT) {
    return { ok: false, reason: 'not a SpeedLab progress file' };
  }
  const version = (data as { version?: unknown }).version;
  if (typeof version === 'number' && version > PROGRESS_VERSION) {
    return { ok: false, reason: `made by a newer SpeedLab (format version ${version}); reload the page to update` };
  }
  const parsed = progressFileSchema.safeParse(data);
  if (parsed.success) return { ok: true, file: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `damaged: ${issue.path.join('.') || 'the file'}: ${issue.message}` };
}

/** A file name from the learner's chosen name: letters, digits, - and _ only. */
export function progressFileName(name: string): string {
  const safe = name
    .trim()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}_-]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `speedlab-progress-${safe || 'learner'}.json`;
}
