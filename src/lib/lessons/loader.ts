/**
 * Loads and validates every lesson at build time, and renders its prose (Markdown with KaTeX) to
 * HTML, so a lesson page is readable before any script runs. Imported only from server load
 * functions: marked and KaTeX never reach the browser.
 */
import { Marked } from 'marked';
import markedKatex from 'marked-katex-extension';
import { harnesses } from './harnesses';
import { type Frontmatter, LessonFormatError, checkFiles, parseReadme } from './schema';
import { codeFiles, memoryModules, readmes, slugOf } from './sources';
import { syllabus } from './syllabus';

export interface Lesson {
  slug: string;
  number: number;
  meta: Frontmatter;
  html: string;
  starter: Record<string, string>;
  solution: Record<string, string>;
}

const markdown = new Marked(markedKatex({ throwOnError: true, nonStandard: true }));

export function renderMarkdown(file: string, body: string): string {
  try {
    return markdown.parse(body, { async: false });
  } catch (e) {
    throw new LessonFormatError(file, `the prose does not render: ${(e as Error).message}`);
  }
}

function filesOf(slug: string, kind: 'starter' | 'solution'): Record<string, string> {
  const prefix = `/lessons/${slug}/${kind}/`;
  return Object.fromEntries(
    Object.entries(codeFiles)
      .filter(([p]) => p.startsWith(prefix))
      .map(([p, text]) => [p.slice(prefix.length), text])
  );
}

function load(): Lesson[] {
  return Object.entries(readmes)
    .map(([path, raw]) => {
      const slug = slugOf(path);
      const dir = `lessons/${slug}`;
      const planned = syllabus.find((l) => l.slug === slug);
      if (!planned) throw new LessonFormatError(dir, `is not in the course map (src/lib/lessons/syllabus.ts)`);
      const { meta, body } = parseReadme(`${dir}/README.md`, raw);
      const files = { starter: filesOf(slug, 'starter'), solution: filesOf(slug, 'solution') };
      checkFiles(dir, meta, files, {
        checks: harnesses[slug] ? { harness: harnesses[slug] } : undefined,
        memory: memoryModules[`/lessons/${slug}/memory.ts`]
      });
      return { slug, number: planned.number, meta, html: renderMarkdown(`${dir}/README.md`, body), ...files };
    })
    .sort((a, b) => a.number - b.number);
}

let cache: Lesson[] | null = null;

export function lessons(): Lesson[] {
  cache ??= load();
  return cache;
}

export function lesson(slug: string): Lesson | undefined {
  return lessons().find((l) => l.slug === slug);
}
