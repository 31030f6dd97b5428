/**
 * The learner's work, kept in this browser: code per lesson (autosaved), one level of undo for
 * Reset and Show solution, which lessons passed their checks, the last Check's score, hints
 * opened, whether the solution was shown, the last run and the time the page was visible, and page
 * settings. No account, no server (a learner can export it all to a file: ./progress-file.ts). Every read is validated (./schemas.ts); a bad entry is quarantined, never trusted.
 */
import {
  type LastChecks,
  type SavedCode,
  type Settings,
  checksSchema,
  durationSchema,
  examSchema,
  hintsOpenedSchema,
  passedSchema,
  savedCodeSchema,
  settingsSchema,
  timestampSchema,
  undoSchema
} from './schemas';
import { type ReadResult, type StorageLike, Store } from './store';

export type { LastChecks, SavedCode, Settings };
export type { ReadResult };

/** A short fingerprint of a set of files (FNV-1a), to notice that a lesson's starter changed. */
export function fingerprint(files: Record<string, string>): string {
  let h = 0x811c9dc5;
  const text = Object.keys(files)
    .sort()
    .map((k) => `${k}\u0000${files[k]}`)
    .join('\u0001');
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

export const DEFAULT_SETTINGS: Settings = { sweep: 'full' };

export function createProgress(storage: () => StorageLike | null) {
  const store = new Store(storage);
  return {
    loadCode: (slug: string): ReadResult<SavedCode> => store.read(`code:${slug}`, savedCodeSchema),
    saveCode: (slug: string, files: Record<string, string>, starter: string) =>
      store.write(`code:${slug}`, { files, starter, savedAt: Date.now() } satisfies SavedCode),
    loadUndo: (slug: string): ReadResult<Record<string, string>> => store.read(`undo:${slug}`, undoSchema),
    saveUndo: (slug: string, files: Record<string, string>) => store.write(`undo:${slug}`, files),
    clearUndo: (slug: string) => store.remove(`undo:${slug}`),
    passed: (slug: string) => store.read(`passed:${slug}`, passedSchema).value === true,
    setPassed: (slug: string) => store.write(`passed:${slug}`, true),
    hintsOpened: (slug: string): number => store.read(`hints:${slug}`, hintsOpenedSchema).value ?? 0,
    setHintsOpened: (slug: string, n: number) => store.write(`hints:${slug}`, n),
    lastChecks: (slug: string): LastChecks | null => store.read(`checks:${slug}`, checksSchema).value,
    setLastChecks: (slug: string, checks: LastChecks) => store.write(`checks:${slug}`, checks),
    solutionShown: (slug: string) => store.read(`solution:${slug}`, passedSchema).value === true,
    setSolutionShown: (slug: string) => store.write(`solution:${slug}`, true),
    lastRun: (slug: string): number | null => store.read(`last-run:${slug}`, timestampSchema).value,
    setLastRun: (slug: string, at: number) => store.write(`last-run:${slug}`, at),
    timeMs: (slug: string): number => store.read(`time:${slug}`, durationSchema).value ?? 0,
    setTimeMs: (slug: string, ms: number) => store.write(`time:${slug}`, ms),
    exam: () => store.read('exam', examSchema).value,
    setExam: (lessons: string[] | null) =>
      lessons === null ? store.remove('exam') : store.write('exam', { lessons, since: Date.now() }),
    settings: (): Settings => store.read('settings', settingsSchema).value ?? DEFAULT_SETTINGS,
    saveSettings: (settings: Settings) => store.write('settings', settings)
  };
}

export type Progress = ReturnType<typeof createProgress>;

export const progress: Progress = createProgress(() =>
  typeof localStorage === 'undefined' ? null : (localStorage as StorageLike)
);
