/**
 * The lesson format: frontmatter fields and the files a lesson folder must hold. A lesson that
 * breaks it fails the build with a message naming the file and the field.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const PARTS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;

const positiveInt = z.number().int().positive();

export const frontmatterSchema = z.strictObject({
  title: z.string().min(1),
  part: z.enum(PARTS),
  survey: z.string().min(1),
  runtimes: z.array(z.enum(['webgpu', 'wasm'])).min(1),
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
  timeBudgetMs: positiveInt.default(60_000)
});

export type Frontmatter = z.infer<typeof frontmatterSchema>;

export class LessonFormatError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'LessonFormatError';
  }
}

/** Split a README into frontmatter and markdown body, and validate the frontmatter. */
export function parseReadme(file: string, raw: string): { meta: Frontmatter; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(raw);
  if (!m) throw new LessonFormatError(file, 'must start with a frontmatter block between two "---" lines');
  let data: unknown;
  try {
    data = parseYaml(m[1]);
  } catch (e) {
    throw new LessonFormatError(file, `frontmatter is not valid YAML: ${(e as Error).message}`);
  }
  const result = frontmatterSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join('.') || '(root)';
    throw new LessonFormatError(file, `frontmatter field "${field}": ${issue.message}`);
  }
  return { meta: result.data, body: m[2] };
}

export interface LessonFiles {
  starter: Record<string, string>;
  solution: Record<string, string>;
}

/** The folder-level rules: same files in starter/ and solution/, a main.ts, the focus file present. */
export function checkFiles(
  dir: string,
  meta: Frontmatter,
  files: LessonFiles,
  modules: { checks: unknown; memory: unknown }
): void {
  const starter = Object.keys(files.starter).sort();
  const solution = Object.keys(files.solution).sort();
  if (starter.length === 0) throw new LessonFormatError(`${dir}/starter`, 'has no files');
  if (starter.join() !== solution.join()) {
    throw new LessonFormatError(
      `${dir}/solution`,
      `must hold the same files as starter/ (${starter.join(', ')}), has ${solution.join(', ')}`
    );
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
