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
import { codeFiles, memoryModules, mutantFiles, readmes, readmesKo, slugOf, stringsKo } from './sources';
import { type LessonStrings, lessonStringsSchema, sourceHash, translatedFrontmatterSchema } from './translation';
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
  /** sha256 of README.md, which a translation records as the English it follows. */
  sourceHash: string;
  /** The lesson in Korean, when it has README.ko.md and ko.json. */
  ko: Translation | null;
}

/** A lesson's text in another language. */
export interface Translation {
  /** The hash of the English README.md it was translated from (stale when it differs from the lesson's). */
  source: string;
  /** The English frontmatter with its prose fields (title, survey, chart captions, hints) translated. */
  meta: Frontmatter;
  html: string;
  hintsHtml: string[];
  /** The texts the lesson's code shows (check messages, titles, chart labels). */
  strings: LessonStrings;
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

function translation(slug: string, english: Frontmatter): Translation | null {
  const dir = `lessons/${slug}`;
  const raw = readmesKo[`/lessons/${slug}/README.ko.md`];
  const json = stringsKo[`/lessons/${slug}/ko.json`];
  if (raw === undefined || json === undefined) return null;
  const { meta, body } = parseReadme(`${dir}/README.ko.md`, raw, translatedFrontmatterSchema);
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new LessonFormatError(`${dir}/ko.json`, `is not valid JSON: ${(e as Error).message}`);
  }
  const strings = lessonStringsSchema.safeParse(data);
  if (!strings.success) {
    const issue = strings.error.issues[0];
    throw new LessonFormatError(`${dir}/ko.json`, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return {
    source: meta.source,
    meta: { ...english, title: meta.title, survey: meta.survey, charts: meta.charts, hints: meta.hints },
    html: renderMarkdown(`${dir}/README.ko.md`, body),
    hintsHtml: meta.hints.map((h, i) => renderMarkdown(`${dir}/README.ko.md (hint ${i + 1})`, h)),
    strings: strings.data
  };
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
        mutants: parseMutants(dir, filesUnder(`/lessons/${slug}/mutants/`, mutantFiles), solution),
        sourceHash: sourceHash(raw),
        ko: translation(slug, meta)
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

/**
 * A lesson's text in `lang`: its translation where it has one, else the English (a lesson that
 * lacks one fails the lessons test, so a built site has them all).
 */
export function localized(l: Lesson, lang: string) {
  const ko = lang === 'ko' ? l.ko : null;
  return {
    meta: ko?.meta ?? l.meta,
    html: ko?.html ?? l.html,
    hintsHtml: ko?.hintsHtml ?? l.hintsHtml,
    strings: ko?.strings ?? null
  };
}

/** Every lesson, written or coming, in course order (titles in `lang`). */
export function courseMap(lang = 'en'): MapEntry[] {
  return [
    ...lessons().map((l) => {
      const meta = localized(l, lang).meta;
      return { number: l.number, title: meta.title, part: l.meta.part, slug: l.slug, survey: meta.survey };
    }),
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
