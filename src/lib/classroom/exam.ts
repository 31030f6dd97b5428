/**
 * Exam mode: a teacher's class link (`/?exam=01-attention,05-flash-attention`) hides the hints and
 * "Show solution" of the lessons it names, in every browser that opens it, until a link with
 * `?exam=off` ends it. A classroom convenience, not a lock: the solutions ship with the site.
 */
import { progress } from '$lib/storage/progress';

export const EXAM_PARAM = 'exam';
const SLUG = /^\d{2}-[a-z0-9-]{1,60}$/;

/** What a page's query asks: end exam mode, start it for these lessons, or nothing. */
export function examFromQuery(search: string): 'off' | string[] | null {
  const value = new URLSearchParams(search).get(EXAM_PARAM);
  if (value === null) return null;
  if (value === 'off') return 'off';
  const lessons = [...new Set(value.split(',').map((s) => s.trim()))].filter((s) => SLUG.test(s));
  return lessons.length > 0 ? lessons.slice(0, 100) : null;
}

/** Applies a class link's `?exam=` to this browser (idempotent; every page that opens one calls it). */
export function applyExamQuery(search: string): void {
  const asked = examFromQuery(search);
  if (asked === 'off') progress.setExam(null);
  else if (asked !== null) progress.setExam(asked);
}

/** Whether exam mode hides this lesson's hints and solution in this browser. */
export function examHides(slug: string): boolean {
  return progress.exam()?.lessons.includes(slug) ?? false;
}

/** The class link a teacher hands out: the site's root (under its base path) with the lessons, or 'off'. */
export function examLink(origin: string, lessons: string[] | 'off', root = '/'): string {
  const url = new URL(root, origin);
  url.searchParams.set(EXAM_PARAM, lessons === 'off' ? 'off' : lessons.join(','));
  return url.toString().replace(/%2C/g, ',');
}
