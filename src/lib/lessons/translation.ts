/**
 * A lesson in another language: `README.<lang>.md` (the prose, hints and chart captions, with the
 * hash of the English README.md it follows) and `<lang>.json` (the texts its code shows: check
 * messages by key, and titles and chart labels by their English). Terms: docs/glossary.ko.md.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** The frontmatter of README.ko.md: only what is prose, and the English it was translated from. */
export const translatedFrontmatterSchema = z.strictObject({
  /** sha256 (hex) of the English README.md this translation follows. */
  source: z.string().regex(/^[0-9a-f]{64}$/, 'must be the sha256 (64 hex digits) of the English README.md'),
  title: z.string().min(1),
  survey: z.string().min(1),
  charts: z.strictObject({ time: z.string().min(1), memory: z.string().min(1) }),
  hints: z.array(z.string().min(1)).min(2).max(3)
});
export type TranslatedFrontmatter = z.infer<typeof translatedFrontmatterSchema>;

/** `<lang>.json`: check messages by key (without the lesson's prefix), other texts by their English. */
export const lessonStringsSchema = z.strictObject({
  messages: z.record(z.string(), z.string().min(1)),
  text: z.record(z.string(), z.string().min(1))
});
export type LessonStrings = z.infer<typeof lessonStringsSchema>;

/** The hash a translation records: sha256 of the English README.md's bytes. */
export const sourceHash = (english: string) => createHash('sha256').update(english, 'utf8').digest('hex');

/** `{name}` placeholders of a template, sorted and unique. */
export const placeholders = (template: string) =>
  [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

/**
 * The shape of a Markdown body that a translation must keep: its headings' levels, display math
 * (verbatim), code blocks (their count), table rows and link targets.
 */
export function structureOf(body: string) {
  const withoutCode = body.replace(/```[\s\S]*?```/g, '```');
  const lines = withoutCode.split('\n');
  return {
    headings: lines.filter((l) => /^#{1,6} /.test(l)).map((l) => /^#+/.exec(l)![0].length),
    math: [...withoutCode.matchAll(/\$\$([\s\S]*?)\$\$/g)].map((m) => m[1].trim()),
    code: (body.match(/```/g) ?? []).length / 2,
    tableRows: lines.filter((l) => /^\s*\|/.test(l)).length,
    links: [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).sort()
  };
}
