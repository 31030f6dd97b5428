/**
 * The class page's model: many exported progress files → one row per file, one column per lesson,
 * and the same as CSV. Two files with the same name are both kept and marked, never merged: the
 * teacher decides which is whose.
 */
import type { LessonProgress, ProgressFile } from '$lib/storage/progress-file';

export interface StudentRow {
  /** The file it came from. */
  file: string;
  name: string;
  exportedAt: string;
  /** Another loaded file has the same name (case and surrounding spaces ignored). */
  duplicate: boolean;
  lessons: Record<string, LessonProgress>;
}

export function rows(files: { file: string; progress: ProgressFile }[]): StudentRow[] {
  const key = (name: string) => name.trim().toLocaleLowerCase();
  const counts = new Map<string, number>();
  for (const f of files) counts.set(key(f.progress.name), (counts.get(key(f.progress.name)) ?? 0) + 1);
  return files.map(({ file, progress }) => ({
    file,
    name: progress.name,
    exportedAt: progress.exportedAt,
    duplicate: (counts.get(key(progress.name)) ?? 0) > 1,
    lessons: progress.lessons
  }));
}

/** One cell in words: passed, or the last Check's score, plus hints and solution. */
export function cellText(p: LessonProgress | undefined): string {
  if (!p) return '';
  const parts = [p.passed ? '✓' : p.checks ? `${p.checks.passed}/${p.checks.total}` : '·'];
  if (p.hintsOpened > 0) parts.push(`h${p.hintsOpened}`);
  if (p.solutionShown) parts.push('sol');
  return parts.join(' ');
}

function csvField(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value);
  // Quote every field that could break a row, and neutralise spreadsheet formulas (=, +, -, @).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Long format: one line per student and lesson, so any spreadsheet can pivot it. */
export function toCsv(students: StudentRow[], slugs: string[]): string {
  const header = [
    'name',
    'file',
    'duplicate name',
    'lesson',
    'passed',
    'checks passed',
    'checks total',
    'hints opened',
    'solution shown',
    'last run',
    'minutes visible'
  ];
  const lines = [header.map(csvField).join(',')];
  for (const s of students) {
    for (const slug of slugs) {
      const p = s.lessons[slug];
      if (!p) continue;
      lines.push(
        [
          s.name,
          s.file,
          s.duplicate,
          slug,
          p.passed,
          p.checks?.passed ?? null,
          p.checks?.total ?? null,
          p.hintsOpened,
          p.solutionShown,
          p.lastRun === null ? null : new Date(p.lastRun).toISOString(),
          (p.timeMs / 60000).toFixed(1)
        ]
          .map(csvField)
          .join(',')
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}
