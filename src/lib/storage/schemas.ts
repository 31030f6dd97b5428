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

export const SWEEP_SIZES = ['full', 'quick'] as const;
export type SweepSize = (typeof SWEEP_SIZES)[number];

export const settingsSchema = z.object({
  sweep: z.enum(SWEEP_SIZES)
});

export type SavedCode = z.infer<typeof savedCodeSchema>;
export type Settings = z.infer<typeof settingsSchema>;
