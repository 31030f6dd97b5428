/**
 * The shapes of everything SpeedLab keeps in localStorage. Storage is written by earlier versions
 * of the app, by extensions, by hand in devtools and by tests: nothing read from it is trusted
 * until it has passed one of these schemas.
 */
import { z } from 'zod';

/** A lesson's files by name; every content a string (the editor and the sandbox assume so). */
export const filesSchema = z.record(z.string(), z.string());

export const savedCodeSchema = z.object({
  files: filesSchema,
  /** Fingerprint of the starter the code was based on: a change means the lesson was updated. */
  starter: z.string(),
  savedAt: z.number()
});

/** The one level of undo kept for Reset and Show solution: the files as they were. */
export const undoSchema = filesSchema;

export const passedSchema = z.boolean();

/** How many of a lesson's hints the learner has opened. */
export const hintsOpenedSchema = z.number().int().min(0).max(10);

/** The last Check on a lesson: how many of its checks passed, of how many, and when. */
export const checksSchema = z.strictObject({
  passed: z.number().int().min(0).max(1000),
  total: z.number().int().min(0).max(1000),
  at: z.number()
});

/** A timestamp (ms since 1970), e.g. of the last run. */
export const timestampSchema = z.number().min(0);

/** Milliseconds the lesson page was visible. */
export const durationSchema = z.number().min(0);

/** Exam mode, set by a teacher's class link: the lessons whose hints and solution are hidden. */
export const examSchema = z.strictObject({
  lessons: z.array(z.string().regex(/^\d{2}-[a-z0-9-]{1,60}$/)).max(100),
  since: z.number()
});

export const SWEEP_SIZES = ['full', 'quick'] as const;
export type SweepSize = (typeof SWEEP_SIZES)[number];

export const settingsSchema = z.object({
  sweep: z.enum(SWEEP_SIZES)
});

export type LastChecks = z.infer<typeof checksSchema>;
export type Exam = z.infer<typeof examSchema>;
export type SavedCode = z.infer<typeof savedCodeSchema>;
export type Settings = z.infer<typeof settingsSchema>;
