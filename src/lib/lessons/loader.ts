/**
 * Loads and validates every lesson at build time, and renders its prose (Markdown with KaTeX) to
 * HTML, so a lesson page is readable before any script runs. Imported only from server load
 * functions: marked and KaTeX never reach the browser.
 */
import { Marked } from 'marked';
import markedKatex from 'marked-katex-extension';
import { harnesses } from './harnesses';
import {
  type Frontmatter,
  type Mutant,
  LessonFormatError,
  checkFiles,
  checkNumbers,
  numberOf,
  parseMutants,
  parseReadme
} from './schema';
import { codeFiles, memoryModules, mutantFiles, readmes, slugOf } from './sources';
import { coming } from './course';

export interface Lesson {
  slug: string;
  number: number;
  meta: Frontmatter;
  html: string;
  starter: Record<string, string>;
  /** The solved state: starter/ with solution/'s files laid over it. */
  solution: Record<string, string>;
  /** Names of the files solution/ changes. */
  solved: string[];
  /** The hints, rendered (Markdown with math), in the order they are revealed. */
  hintsHtml: string[];
  /** Wrong or shortcut versions of the solution that the checks must catch (tests only). */
  mutants: Mutant[];
}

const markdown = new Marked(markedKatex({ throwOnError: true, nonStandard: true }));

export function renderMarkdown(file: string, body: string): string {
  try {
    return markdown.parse(body, { async: false });
  } catch (e) {
    throw new LessonFormatError(file, `the prose does not render: ${(e as Error).message}`);
  }
}

function filesUnder(prefix: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files)
      .filter(([p]) => p.startsWith(prefix))
      .map(([p, text]) => [p.slice(prefix.length), text])
  );
}

const filesOf = (slug: string, kind: 'starter' | 'solution') => filesUnder(`/lessons/${slug}/${kind}/`, codeFiles);

function load(): Lesson[] {
  const all = Object.entries(readmes)
    .map(([path, raw]) => {
      const slug = slugOf(path);
      const dir = `lessons/${slug}`;
      const number = numberOf(dir, slug);
      const { meta, body } = parseReadme(`${dir}/README.md`, raw);
      const files = { starter: filesOf(slug, 'starter'), solution: filesOf(slug, 'solution') };
      checkFiles(dir, meta, files, {
        checks: harnesses[slug] ? { harness: harnesses[slug] } : undefined,
        memory: memoryModules[`/lessons/${slug}/memory.ts`]
      });
      const solution = { ...files.starter, ...files.solution };
      return {
        slug,
        number,
        meta,
        html: renderMarkdown(`${dir}/README.md`, body),
        starter: files.starter,
        solution,
        solved: Object.keys(files.solution).sort(),
        hintsHtml: meta.hints.map((h, i) => renderMarkdown(`${dir}/README.md (hint ${i + 1})`, h)),
        mutants: parseMutants(dir, filesUnder(`/lessons/${slug}/mutants/`, mutantFiles), solution)
      };
    })
    .sort((a, b) => a.number - b.number);
  checkNumbers(all, coming);
  return all;
}

/** One entry of the course map: a written lesson (with its slug) or one still to come. */
export interface MapEntry {
  number: number;
  title: string;
  part: string;
  slug: string | null;
  survey: string | null;
}

/** Every lesson, written or coming, in course order. */
export function courseMap(): MapEntry[] {
  return [
    ...lessons().map((l) => ({
      number: l.number,
      title: l.meta.title,
      part: l.meta.part,
      slug: l.slug,
      survey: l.meta.survey
    })),
    ...coming.map((c) => ({ ...c, slug: null, survey: null }))
  ].sort((a, b) => a.number - b.number);
}

let cache: Lesson[] | null = null;

export function lessons(): Lesson[] {
  cache ??= load();
  return cache;
}

export function lesson(slug: string): Lesson | undefined {
  return lessons().find((l) => l.slug === slug);
}
