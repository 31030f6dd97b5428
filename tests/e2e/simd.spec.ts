/**
 * The simd backend in real Chromium, WebGPU off: the learner's AssemblyScript is compiled by the
 * app's compiler worker, loaded only when an `.as.ts` file first runs, and instantiated inside the
 * sandbox. Lesson 05's starter fails Check and its solution passes and fills the charts, and so do
 * those of the other lessons with AssemblyScript kernels (01, 11, 14); a compile error becomes an
 * editor marker on the learner's line; a module that never returns is stopped, and one that grows
 * its memory to the limit ends with the reason, the page answering throughout.
 */
import { type Page, expect, test } from '@playwright/test';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { seedCode, solveCheckAndRun, useQuickSweep, waitIdle, watchErrors } from './helpers';

/** Every JavaScript file the page fetches, and whether it holds the AssemblyScript compiler. */
function watchCompiler(page: Page): { urls: string[]; compiler: string[] } {
  const seen = { urls: [] as string[], compiler: [] as string[] };
  page.on('response', async (r) => {
    const url = r.url();
    if (!url.endsWith('.js')) return;
    seen.urls.push(url);
    const body = await r.text().catch(() => '');
    if (body.includes('The AssemblyScript frontend')) seen.compiler.push(url);
  });
  return seen;
}

const LESSON = '05-flash-attention';
const dir = (which: string) => join('lessons', LESSON, which);
/** Lesson 05's files as the learner sees them with the solution shown. */
const solution: Record<string, string> = Object.fromEntries(
  ['starter', 'solution'].flatMap((which) =>
    readdirSync(dir(which)).map((name) => [name, readFileSync(join(dir(which), name), 'utf8')])
  )
);

/** Lesson 05 on the simd backend, with the solution's files and `flash.as.ts` replaced. */
async function openLesson(page: Page, flash: string): Promise<void> {
  // Show solution asks for confirmation.
  page.on('dialog', (d) => void d.accept());
  await seedCode(page, LESSON, { ...solution, 'flash.as.ts': flash });
  await page.goto(`/lessons/${LESSON}`);
  await expect(page.getByTestId('backend-badge')).not.toHaveAttribute('data-backend', 'detecting');
  await page.getByTestId('backend-select').selectOption('simd');
}

test('lesson 05 on simd: the compiler loads only on the first run; starter fails, solution passes', async ({
  page
}) => {
  const errors = watchErrors(page);
  const js = watchCompiler(page);
  await page.goto('/lessons/05-flash-attention');
  await expect(page.getByTestId('backend-badge')).not.toHaveAttribute('data-backend', 'detecting');
  await expect(page.getByTestId('editor')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await page.waitForLoadState('networkidle');
  expect(js.compiler, 'the compiler was fetched before any .as.ts file ran').toEqual([]);

  await page.getByTestId('backend-select').selectOption('simd');
  await useQuickSweep(page);
  await page.getByTestId('check').click();
  await waitIdle(page);
  await expect(page.getByTestId('check-result')).toHaveAttribute('data-status', 'fail');
  await expect(page.getByTestId('console')).toContainText(/AssemblyScript: compiled flash\.as\.ts \(\d+ ms\)/);
  // The compile time is shown beside the run's status, not only in the console.
  await expect(page.getByTestId('compile-time')).toHaveText(/flash\.as\.ts compiled to WebAssembly in \d+ ms/);
  expect(js.compiler.length, 'the compiler was fetched for the first simd run').toBeGreaterThan(0);

  await solveCheckAndRun(page);
  // The same sources again: the modules come from the cache.
  await expect(page.getByTestId('console')).toContainText(/AssemblyScript: compiled flash\.as\.ts \(cached/);
  await expect(page.getByTestId('compile-time')).toHaveText(/flash\.as\.ts unchanged, its module reused/);
  const measured = page.locator('[data-testid=results-table] tbody tr[data-status=measured]');
  expect(await measured.count()).toBeGreaterThanOrEqual(2);
  expect(errors).toEqual([]);
});

/** The other lessons with an AssemblyScript kernel, and its file. */
const KERNELS = [
  ['01-attention', 'attention.as.ts'],
  ['11-linear-attention', 'recurrent.as.ts'],
  ['14-mamba', 'scan.as.ts']
] as const;

for (const [slug, file] of KERNELS) {
  test(`lesson ${slug} on simd: starter fails Check, solution passes it and fills the time chart`, async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(`/lessons/${slug}`);
    await expect(page.getByTestId('backend-badge')).not.toHaveAttribute('data-backend', 'detecting');
    await page.getByTestId('backend-select').selectOption('simd');
    await useQuickSweep(page);

    await page.getByTestId('check').click();
    await waitIdle(page);
    await expect(page.getByTestId('check-result')).toHaveAttribute('data-status', 'fail');
    const compiled = new RegExp(`AssemblyScript: compiled ${file.replace(/\./g, '\\.')} \\(`);
    await expect(page.getByTestId('console')).toContainText(compiled);

    await solveCheckAndRun(page);
    const measured = await page.locator('[data-testid=results-table] tbody tr[data-status=measured]').count();
    expect(measured).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('chart-time')).toHaveAttribute('data-points', String(measured));
    expect(errors).toEqual([]);
  });
}

test("a compile error is shown on the learner's line, as an editor marker", async ({ page }) => {
  // An error that only the AssemblyScript compiler sees (for TypeScript, 8.5 is a number), near
  // the top of the file so that its marker is in view.
  const lines = solution['flash.as.ts'].split('\n');
  const at = lines.findIndex((l) => l.startsWith('const QUERY_ROWS = 8;'));
  lines[at] = 'const QUERY_ROWS: i32 = 8.5;';
  await openLesson(page, lines.join('\n'));
  await page.getByTestId('check').click();
  await waitIdle(page);
  const panel = page.getByTestId('errors');
  await expect(panel).toContainText(`flash.as.ts:${at + 1}`);
  await expect(page.getByTestId('editor')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await panel.getByRole('button', { name: `flash.as.ts:${at + 1}` }).click();
  await expect(page.getByRole('tab', { name: 'flash.as.ts' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('[data-testid=editor] .squiggly-error').first()).toBeVisible();
});

/** The solution with the body of `attention` replaced by hostile code. */
const hostile = (body: string) =>
  solution['flash.as.ts'].replace(/(export function attention\([^)]*\): void \{\n)/, `$1${body}\n`);

test('a module that never returns is stopped like any run, and the next run works', async ({ page }) => {
  await openLesson(page, hostile('  let spins = 0;\n  while (n > 0) spins++;'));
  await page.getByTestId('check').click();
  await page.waitForTimeout(3000);
  await page.getByTestId('stop').click();
  await waitIdle(page, 10_000);
  await expect(page.getByTestId('status')).toContainText(/stopped/i);
  // The page is still in charge: the solution checks next.
  await page.getByTestId('show-solution').click();
  await page.getByTestId('check').click();
  await waitIdle(page);
  await expect(page.getByTestId('check-result')).toHaveAttribute('data-status', 'pass');
  await expect(page.getByTestId('errors')).toHaveCount(0);
});

test('a module that grows its memory to the limit ends with the reason', async ({ page }) => {
  await openLesson(page, hostile('  while (n > 0) __new(64 << 20, 1);'));
  await page.getByTestId('check').click();
  await waitIdle(page, 120_000);
  await expect(page.getByTestId('errors')).toContainText('flash.as.ts: the module trapped');
});
