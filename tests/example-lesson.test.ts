/**
 * The worked example of the README's "Add a lesson" (docs/example-lesson/), run as a real lesson:
 * its README and folder pass the lesson format, its files type-check against the lesson API, and
 * through the same runner as the page its starter fails the check and its solution passes and sweeps.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { harnesses } from '$lib/lessons/harnesses';
import { renderMarkdown } from '$lib/lessons/loader';
import { checkFiles, parseMutants, parseReadme } from '$lib/lessons/schema';
import type { LessonHarness } from '$lib/lessons/types';
import { runInNode } from './support/run-in-node';
import { typecheck } from './support/typecheck';

const DIR = 'docs/example-lesson';
const SLUG = '00-row-softmax';
const read = (sub: string) =>
  Object.fromEntries(readdirSync(join(DIR, sub)).map((f) => [f, readFileSync(join(DIR, sub, f), 'utf8')]));

describe('the example lesson of the README', async () => {
  const checks = (await import('../docs/example-lesson/checks')) as { harness: LessonHarness };
  const memory = await import('../docs/example-lesson/memory');
  const starter = read('starter');
  const overlay = read('solution');
  const solution = { ...starter, ...overlay };
  // Registered under its slug, as the build registers every folder under lessons/.
  harnesses[SLUG] = checks.harness;

  test('its README and folder follow the lesson format', () => {
    const { meta, body } = parseReadme(`${DIR}/README.md`, readFileSync(join(DIR, 'README.md'), 'utf8'));
    expect(() => checkFiles(DIR, meta, { starter, solution: overlay }, { checks, memory })).not.toThrow();
    expect(renderMarkdown(`${DIR}/README.md`, body)).toContain('class="katex"');
  });

  test('starter and solution type-check against the lesson API', () => {
    expect(typecheck(starter)).toEqual([]);
    expect(typecheck(solution)).toEqual([]);
  });

  test('the starter fails, naming the overflow', async () => {
    const { results } = await runInNode({ lesson: SLUG, files: starter, mode: 'check' });
    expect(results).toHaveLength(1);
    expect(results[0].status).toBe('fail');
    expect(results[0].message).toContain('subtract the row maximum');
    expect(results[0].key).toBe('00-row-softmax.overflow');
  });

  test('its hints are two or three, and every mutant fails naming its mistake', async () => {
    const { meta } = parseReadme(`${DIR}/README.md`, readFileSync(join(DIR, 'README.md'), 'utf8'));
    expect(meta.hints.length).toBeGreaterThanOrEqual(2);
    const raw = Object.fromEntries(
      readdirSync(join(DIR, 'mutants')).map((f) => [f, readFileSync(join(DIR, 'mutants', f), 'utf8')])
    );
    const mutants = parseMutants(DIR, raw, solution);
    expect(mutants.map((m) => m.name)).toEqual(['max-of-first', 'no-max']);
    for (const mutant of mutants) {
      const { results } = await runInNode({ lesson: SLUG, files: mutant.files, mode: 'check' });
      expect(results[0].status, mutant.name).toBe('fail');
      expect(results[0].message, mutant.name).toContain(mutant.expect);
    }
  });

  test('the solution passes and its sweep measures every N', async () => {
    const { results } = await runInNode({ lesson: SLUG, files: solution, mode: 'check' });
    expect(results.map((r) => r.status)).toEqual(['pass']);
    const n = [1024, 4096];
    const { messages } = await runInNode({
      lesson: SLUG,
      files: solution,
      mode: 'sweep',
      sweep: { n, warmup: 0, repeats: 1, budgetMs: 10_000 }
    });
    const points = messages.flatMap((m) => (m.type === 'point' ? [m.point] : []));
    expect(points.map((p) => [p.n, p.status])).toEqual(n.map((x) => [x, 'measured']));
  });
});
