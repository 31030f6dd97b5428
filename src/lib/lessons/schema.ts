/**
 * The lesson format: frontmatter fields and the files a lesson folder must hold. A lesson that
 * breaks it fails the build with a message naming the file and the field.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BACKENDS } from '$lib/runtime/backends';
import type { ComingLesson } from './course';

export const PARTS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;

const positiveInt = z.number().int().positive();

export const frontmatterSchema = z.strictObject({
  title: z.string().min(1),
  part: z.enum(PARTS),
  survey: z.string().min(1),
  runtimes: z.array(z.enum(BACKENDS)).min(1),
  /** The file the editor opens first. */
  focus: z.string().min(1),
  sweep: z.strictObject({
    n: z
      .array(positiveInt)
      .min(1)
      .refine((a) => a.every((x, i) => i === 0 || x > a[i - 1]), 'must be increasing'),
    warmup: z.number().int().min(0).default(1),
    repeats: positiveInt.default(3),
    budgetMs: positiveInt.default(30_000)
  }),
  charts: z.strictObject({ time: z.string().min(1), memory: z.string().min(1) }),
  /** How the analytic memory grows: total bytes ∝ N^memoryExponent at large N (checked by the tests). */
  memoryExponent: z.number().positive(),
  /** Optional guide on the time chart: a line ∝ N^timeExponent through the largest measured point. */
  timeExponent: z.number().positive().optional(),
  /** The watchdog stops a run that takes longer than this. */
  timeBudgetMs: positiveInt.default(60_000),
  /**
   * Graded hints, revealed one at a time before the solution, each nearer to the answer
   * (Markdown with math). They say what to think about, not the code to type.
   */
  hints: z.array(z.string().min(1)).min(2).max(3)
});

/** A mutant's mutant.json: the text its failure message must contain, and where it runs. */
export const mutantSchema = z.strictObject({
  /** What the mistake is, for the reader of the lesson folder. */
  mistake: z.string().min(1),
  /** Text that a failing check's message must contain. */
  expect: z.string().min(1),
  /** Backends the mutant is tried on; default every runtime of the lesson. */
  backends: z.array(z.enum(BACKENDS)).min(1).optional(),
  /** The mistake as edits of the solution: each `find` must occur exactly once in its file. */
  edits: z.array(z.strictObject({ file: z.string().min(1), find: z.string().min(1), replace: z.string() })).min(1)
});

export type MutantSpec = z.infer<typeof mutantSchema>;

export type Frontmatter = z.infer<typeof frontmatterSchema>;

export class LessonFormatError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'LessonFormatError';
  }
}

/**
 * The first control character in Markdown (anything below U+0020 but newline and carriage return,
 * tab included, and U+007F), as "line L, column C (U+0009)", or null. A backslash sequence
 * written where a string escape applies turns `\tilde` into a TAB and "ilde": this finds it.
 */
export function controlCharacter(text: string): string | null {
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    for (let col = 0; col < line.length; col++) {
      const code = line.charCodeAt(col);
      if (code < 0x20 || code === 0x7f) {
        return `line ${i + 1}, column ${col + 1} (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
      }
    }
  }
  return null;
}

/** Split a README into frontmatter and markdown body, and validate the frontmatter (with `schema`). */
export function parseReadme(file: string, raw: string): { meta: Frontmatter; body: string };
export function parseReadme<T>(file: string, raw: string, schema: z.ZodType<T>): { meta: T; body: string };
export function parseReadme(
  file: string,
  raw: string,
  schema: z.ZodType<unknown> = frontmatterSchema
): { meta: unknown; body: string } {
  const control = controlCharacter(raw);
  if (control) {
    throw new LessonFormatError(
      file,
      `has a control character at ${control}: use spaces to indent, and check the math near it for an escape gone wrong (a TAB where \\tilde was meant)`
    );
  }
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(raw);
  if (!m) throw new LessonFormatError(file, 'must start with a frontmatter block between two "---" lines');
  let data: unknown;
  try {
    data = parseYaml(m[1]);
  } catch (e) {
    throw new LessonFormatError(file, `frontmatter is not valid YAML: ${(e as Error).message}`);
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join('.') || '(root)';
    throw new LessonFormatError(file, `frontmatter field "${field}": ${issue.message}`);
  }
  return { meta: result.data, body: m[2] };
}

export interface LessonFiles {
  starter: Record<string, string>;
  /** The overlay: only the files the solution changes. */
  solution: Record<string, string>;
}

/** Equal apart from whitespace (an overlay file that changes only spacing is not a solution). */
const sameText = (a: string, b: string) => a.replace(/\s+/g, '') === b.replace(/\s+/g, '');

/**
 * The folder-level rules: starter/ has a main.ts and the focus file; solution/ is an overlay that
 * holds only files that exist in starter/ and differ from them; checks.ts and memory.ts export
 * what the runner needs.
 */
export function checkFiles(
  dir: string,
  meta: Frontmatter,
  files: LessonFiles,
  modules: { checks: unknown; memory: unknown }
): void {
  const starter = Object.keys(files.starter).sort();
  if (starter.length === 0) throw new LessonFormatError(`${dir}/starter`, 'has no files');
  const overlay = Object.keys(files.solution).sort();
  if (overlay.length === 0)
    throw new LessonFormatError(`${dir}/solution`, 'has no files: a solution changes at least one starter file');
  for (const name of overlay) {
    if (!(name in files.starter)) {
      throw new LessonFormatError(
        `${dir}/solution/${name}`,
        `has no counterpart in starter/ (${starter.join(', ')}); solution/ holds only changed starter files`
      );
    }
    if (sameText(files.solution[name], files.starter[name])) {
      throw new LessonFormatError(
        `${dir}/solution/${name}`,
        'equals starter/' + name + ' apart from whitespace; delete it (solution/ holds only the files it changes)'
      );
    }
  }
  if (!starter.includes('main.ts')) throw new LessonFormatError(`${dir}/starter`, 'must contain main.ts');
  if (!starter.includes(meta.focus)) {
    throw new LessonFormatError(
      `${dir}/README.md`,
      `frontmatter field "focus": "${meta.focus}" is not a file in starter/ (${starter.join(', ')})`
    );
  }
  const harness = (modules.checks as { harness?: { checks?: unknown; sweep?: unknown } } | undefined)?.harness;
  if (!harness || !Array.isArray(harness.checks) || typeof harness.sweep !== 'function') {
    throw new LessonFormatError(
      `${dir}/checks.ts`,
      'must export `harness` with `checks` (an array) and `sweep` (a function)'
    );
  }
  const memory = (modules.memory as { memory?: { buffers?: unknown } } | undefined)?.memory;
  if (!memory || typeof memory.buffers !== 'function') {
    throw new LessonFormatError(`${dir}/memory.ts`, 'must export `memory` with a `buffers(n)` function');
  }
}

/** The lesson number of a folder name: "05-flash-attention" → 5. */
export function numberOf(dir: string, slug: string): number {
  const m = /^(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$/.exec(slug);
  if (!m)
    throw new LessonFormatError(dir, 'a lesson folder is named NN-slug (two digits, then lowercase words joined by -)');
  return Number(m[1]);
}

/** The build fails, naming the folder, when two folders share a number or a number is also "coming". */
export function checkNumbers(folders: { slug: string; number: number }[], planned: ComingLesson[]): void {
  const seen = new Map<number, string>();
  for (const { slug, number } of folders) {
    const other = seen.get(number);
    if (other) throw new LessonFormatError(`lessons/${slug}`, `has number ${number}, like lessons/${other}`);
    seen.set(number, slug);
    if (planned.some((c) => c.number === number)) {
      throw new LessonFormatError(
        `lessons/${slug}`,
        `lesson ${number} is also listed as coming in src/lib/lessons/course.ts; remove it from that list`
      );
    }
  }
}

export interface Mutant extends MutantSpec {
  name: string;
  /** The solution with the mutant's edits applied. */
  files: Record<string, string>;
}

/**
 * A lesson's mutants from `mutants/<name>.json`: plausible wrong or shortcut versions of the
 * solution, written as edits of it (so a mutant reads as its mistake, not as a copy of the
 * solution). The lessons test proves each fails a check with the named message.
 */
export function parseMutants(dir: string, raw: Record<string, string>, solution: Record<string, string>): Mutant[] {
  return Object.entries(raw)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, text]) => {
      const where = `${dir}/mutants/${file}`;
      const name = file.replace(/\.json$/, '');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new LessonFormatError(where, `is not valid JSON: ${(e as Error).message}`);
      }
      const spec = mutantSchema.safeParse(json);
      if (!spec.success) {
        const issue = spec.error.issues[0];
        throw new LessonFormatError(where, `field "${issue.path.join('.') || '(root)'}": ${issue.message}`);
      }
      const files = { ...solution };
      for (const [i, edit] of spec.data.edits.entries()) {
        const source = files[edit.file];
        if (source === undefined) {
          throw new LessonFormatError(where, `edit ${i + 1}: ${edit.file} is not a file of the lesson`);
        }
        const at = source.indexOf(edit.find);
        if (at < 0 || source.indexOf(edit.find, at + 1) >= 0) {
          throw new LessonFormatError(
            where,
            `edit ${i + 1}: its "find" text must occur exactly once in ${edit.file} (${at < 0 ? 'not found' : 'found more than once'})`
          );
        }
        files[edit.file] = source.slice(0, at) + edit.replace + source.slice(at + edit.find.length);
      }
      for (const name of new Set(spec.data.edits.map((e) => e.file))) {
        if (sameText(files[name], solution[name])) {
          throw new LessonFormatError(where, `its edits leave ${name} equal to the solution apart from whitespace`);
        }
      }
      return { name, ...spec.data, files };
    });
}
