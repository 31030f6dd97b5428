/**
 * Every lesson, in Node: its format is valid, its solution passes every check, its starter fails
 * at least one, and its analytic memory grows with N as its README claims. (The WebGPU path of
 * each lesson is exercised in Chromium by the end-to-end tests.)
 */
import { describe, expect, test } from 'vitest';
import { lessons } from '$lib/lessons/loader';
import { memoryModels } from '$lib/lessons/memory-models';
import { bytesOf } from '$lib/lessons/types';
import { runInNode } from './support/run-in-node';
import { typecheck } from './support/typecheck';

const all = lessons();

test('there is at least one lesson', () => {
  expect(all.length).toBeGreaterThan(0);
});

describe.each(all.map((l) => [l.slug, l] as const))('lesson %s', (slug, lesson) => {
  test('solution passes every check (wasm)', async () => {
    const { results, messages } = await runInNode({ lesson: slug, files: lesson.solution, mode: 'check' });
    const errors = messages.filter((m) => m.type === 'error');
    expect(errors).toEqual([]);
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) expect(r, r.message).toMatchObject({ status: expect.stringMatching(/pass|skipped/) });
    expect(results.some((r) => r.status === 'pass')).toBe(true);
  });

  test('is in Korean: README.ko.md and ko.json, translated from the current README.md', () => {
    const dir = `lessons/${slug}`;
    expect(lesson.ko, `${dir} needs README.ko.md and ko.json (see docs/glossary.ko.md)`).not.toBeNull();
    expect(
      lesson.ko?.source,
      `${dir}/README.ko.md was translated from another version of README.md: bring the translation up to date, then set its source to \`sha256sum ${dir}/README.md\``
    ).toBe(lesson.sourceHash);
  });

  test('starter, and starter with the solution laid over it, type-check against the lesson API', () => {
    expect(typecheck(lesson.starter)).toEqual([]);
    expect(typecheck(lesson.solution)).toEqual([]);
  });

  test('starter fails at least one check (wasm)', async () => {
    const { results } = await runInNode({ lesson: slug, files: lesson.starter, mode: 'check' });
    expect(results.some((r) => r.status === 'fail')).toBe(true);
  });

  test('solution runs its sweep: each series gets one point per sequence length', async () => {
    const n = lesson.meta.sweep.n.slice(0, 3);
    const { messages } = await runInNode({
      lesson: slug,
      files: lesson.solution,
      mode: 'sweep',
      sweep: { n, warmup: 0, repeats: 1, budgetMs: 60_000 }
    });
    expect(messages.filter((m) => m.type === 'error')).toEqual([]);
    const points = messages.flatMap((m) => (m.type === 'point' ? [m.point] : []));
    const series = [...new Set(points.map((p) => p.series))];
    expect(series.length).toBeGreaterThan(0);
    for (const name of series) {
      const own = points.filter((p) => p.series === name);
      expect(
        own.map((p) => p.n),
        name
      ).toEqual(n);
      for (const p of own) {
        expect(p.status, `${name} at N = ${p.n}: ${p.reason ?? ''}`).toBe('measured');
        expect(p.medianMs).toBeGreaterThan(0);
        expect(p.peakBytes).toBeGreaterThan(0);
      }
    }
  });

  test('has a mutant suite of at least three plausible mistakes', () => {
    expect(lesson.mutants.length).toBeGreaterThanOrEqual(3);
  });

  const wasmMutants = lesson.mutants.filter((m) => (m.backends ?? lesson.meta.runtimes).includes('wasm'));
  test.each(wasmMutants.map((m) => [m.name, m] as const))(
    'mutant %s fails a check, naming the mistake (wasm)',
    async (_, mutant) => {
      const { results } = await runInNode({ lesson: slug, files: mutant.files, mode: 'check' });
      const failed = results.filter((r) => r.status === 'fail');
      expect(failed.length, `${mutant.mistake}: every check passed`).toBeGreaterThan(0);
      expect(failed.map((r) => r.message).join('\n')).toContain(mutant.expect);
    }
  );

  // The simd backend, for lessons that list it: AssemblyScript compiled here in Node, as the page's
  // compiler worker does, and run through the same execute.
  const simd = lesson.meta.runtimes.includes('simd');
  test.runIf(simd)('solution passes every check (simd)', async () => {
    const { results, messages } = await runInNode({
      lesson: slug,
      files: lesson.solution,
      mode: 'check',
      backend: 'simd'
    });
    expect(messages.filter((m) => m.type === 'error')).toEqual([]);
    for (const r of results) expect(r, r.message).toMatchObject({ status: expect.stringMatching(/pass|skipped/) });
    expect(results.some((r) => r.status === 'pass')).toBe(true);
  });

  test.runIf(simd)('starter fails at least one check (simd)', async () => {
    const { results } = await runInNode({ lesson: slug, files: lesson.starter, mode: 'check', backend: 'simd' });
    expect(results.some((r) => r.status === 'fail')).toBe(true);
  });

  test.runIf(simd)('solution runs its sweep (simd): one point per sequence length in each series', async () => {
    const n = lesson.meta.sweep.n.slice(0, 2);
    const { messages } = await runInNode({
      lesson: slug,
      files: lesson.solution,
      mode: 'sweep',
      backend: 'simd',
      sweep: { n, warmup: 0, repeats: 1, budgetMs: 60_000 }
    });
    expect(messages.filter((m) => m.type === 'error')).toEqual([]);
    const points = messages.flatMap((m) => (m.type === 'point' ? [m.point] : []));
    const series = [...new Set(points.map((p) => p.series))];
    expect(series.length).toBeGreaterThan(0);
    for (const name of series) {
      expect(
        points.filter((p) => p.series === name && p.status === 'measured').map((p) => p.n),
        name
      ).toEqual(n);
    }
  });

  const simdMutants = simd ? lesson.mutants.filter((m) => (m.backends ?? lesson.meta.runtimes).includes('simd')) : [];
  test.each(simdMutants.map((m) => [m.name, m] as const))(
    'mutant %s fails a check, naming the mistake (simd)',
    async (_, mutant) => {
      const { results } = await runInNode({ lesson: slug, files: mutant.files, mode: 'check', backend: 'simd' });
      const failed = results.filter((r) => r.status === 'fail');
      expect(failed.length, `${mutant.mistake}: every check passed`).toBeGreaterThan(0);
      expect(failed.map((r) => r.message).join('\n')).toContain(mutant.expect);
    }
  );

  test(`analytic memory grows like N^${lesson.meta.memoryExponent}`, () => {
    const model = memoryModels[slug];
    const big = 1 << 20;
    const slope = Math.log2(bytesOf(model, 2 * big).total / bytesOf(model, big).total);
    expect(slope).toBeCloseTo(lesson.meta.memoryExponent, 1);
  });
});
