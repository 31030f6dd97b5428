/** The checks and sweeps of every lesson, by slug (bundled into the sandbox and used by the tests). */
import type { LessonHarness } from './types';

const modules = import.meta.glob<{ harness: LessonHarness }>('/lessons/*/checks.ts', { eager: true });

export const harnesses: Record<string, LessonHarness> = Object.fromEntries(
  Object.entries(modules).map(([path, m]) => [path.split('/')[2], m.harness])
);
