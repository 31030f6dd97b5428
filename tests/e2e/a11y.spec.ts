/**
 * Accessibility (wasm project: the page's structure does not depend on the backend): axe-core
 * reports no violation on every page, in English and in Korean, with no rule disabled and the
 * editor included; a lesson page is checked before and after a run (results, charts and their
 * tables on screen).
 */
import AxeBuilder from '@axe-core/playwright';
import { type Page, expect, test } from '@playwright/test';
import { lessonSlugs, useQuickSweep, waitForBadge, waitIdle, watchErrors } from './helpers';

test.skip(() => test.info().project.name !== 'wasm', 'the page structure does not depend on the backend');

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} node(s), e.g. ${v.nodes[0]?.target.join(' ')}`
  );
}

for (const path of ['/', '/compare', '/playground', '/class', '/ko', '/ko/compare', '/ko/playground', '/ko/class']) {
  test(`axe finds nothing on ${path}`, async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(path);
    await waitForBadge(page);
    expect(await violations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
}

for (const lang of ['', '/ko']) {
  test(`axe finds nothing on a lesson page, before and after a run (${lang || 'English'})`, async ({ page }) => {
    await lessonBeforeAndAfter(page, `${lang}/lessons/01-attention`);
  });
}

async function lessonBeforeAndAfter(page: Page, path: string) {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await page.goto(path);
  await waitForBadge(page);
  // The editor has loaded (Monaco replaces the prerendered code).
  await expect(page.locator('.monaco-editor').first()).toBeVisible();
  expect(await violations(page)).toEqual([]);
  await useQuickSweep(page);
  await page.getByTestId('show-solution').click();
  await page.getByTestId('run').click();
  await waitIdle(page);
  await page.getByTestId('check').click();
  await waitIdle(page);
  expect(await violations(page)).toEqual([]);
  expect(errors).toEqual([]);
}

test('axe finds nothing on any lesson page, with the editor on each of its files', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = watchErrors(page);
  const found: string[] = [];
  for (const slug of lessonSlugs) {
    await page.goto(`/lessons/${slug}`);
    await waitForBadge(page);
    await expect(page.locator('.monaco-editor').first()).toBeVisible();
    const tabs = page.getByRole('tab');
    const count = await tabs.count();
    for (let i = 0; i < Math.max(1, count); i++) {
      if (count > 0) await tabs.nth(i).click();
      for (const v of await violations(page)) found.push(`${slug}, file ${i + 1} of ${count}: ${v}`);
    }
  }
  expect(found).toEqual([]);
  expect(errors).toEqual([]);
});

test('axe finds nothing on any lesson page in Korean', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = watchErrors(page);
  const found: string[] = [];
  for (const slug of lessonSlugs) {
    await page.goto(`/ko/lessons/${slug}`);
    await waitForBadge(page);
    await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
    await expect(page.locator('.monaco-editor').first()).toBeVisible();
    for (const v of await violations(page)) found.push(`${slug}: ${v}`);
  }
  expect(found).toEqual([]);
  expect(errors).toEqual([]);
});
