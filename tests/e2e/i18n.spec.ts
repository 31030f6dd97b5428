/**
 * Korean (wasm project: the language does not depend on the backend): the language switch moves a
 * page to its Korean twin and back, the choice holds on later visits, and a lesson's check
 * messages and chart labels come out in Korean.
 */
import { expect, test } from '@playwright/test';
import { useQuickSweep, waitForBadge, waitIdle, watchErrors } from './helpers';

test.skip(() => test.info().project.name !== 'wasm', 'the language does not depend on the backend');

const HANGUL = /[가-힣]/;

test('the language switch moves a page to Korean and back, and the choice is remembered', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/lessons/01-attention');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  const title = (await page.locator('h1').innerText()).trim();
  await page.getByTestId('lang-switch').click();
  await expect(page).toHaveURL(/\/ko\/lessons\/01-attention$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
  await expect(page.locator('h1')).toHaveText(HANGUL);
  expect((await page.locator('h1').innerText()).trim()).not.toBe(title);
  // The navigation stays in Korean.
  await page.locator('header nav a').first().click();
  await expect(page).toHaveURL(/\/ko$/);
  await expect(page.locator('main h1')).toHaveText(HANGUL);
  // A link without a language (a shared one, a bookmark) opens in the language chosen.
  await page.goto('/compare');
  await expect(page).toHaveURL(/\/ko\/compare$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
  // And back to English, which is remembered as well.
  await page.getByTestId('lang-switch').click();
  await expect(page).toHaveURL(/\/compare$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.goto('/lessons/02-kv-cache');
  await expect(page).toHaveURL(/\/lessons\/02-kv-cache$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  expect(errors).toEqual([]);
});

test('the switch keeps a link’s query and fragment (a class or share link)', async ({ page }) => {
  await page.goto('/lessons/01-attention?exam=off#share=1.x');
  await page.getByTestId('lang-switch').click();
  await expect(page).toHaveURL(/\/ko\/lessons\/01-attention\?exam=off#share=1\.x$/);
});

test('a lesson in Korean: prose, hints, check messages and chart labels in Korean', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await page.goto('/ko/lessons/01-attention');
  await waitForBadge(page);
  await expect(page.locator('.prose h2').first()).toHaveText(HANGUL);
  // The starter fails; every check's title and message is Korean.
  await page.getByTestId('check').click();
  await waitIdle(page);
  const result = page.getByTestId('check-result');
  await expect(result).toHaveAttribute('data-status', 'fail');
  for (const item of await result.locator('li').all()) await expect(item).toHaveText(HANGUL);
  // The solution's sweep: the series names in the chart's table are Korean.
  await useQuickSweep(page);
  await page.getByTestId('show-solution').click();
  await page.getByTestId('run').click();
  await waitIdle(page);
  await expect(page.getByTestId('results-table')).toContainText(HANGUL);
  await page.getByTestId('check').click();
  await waitIdle(page);
  await expect(result).toHaveAttribute('data-status', 'pass');
  for (const item of await result.locator('li').all()) await expect(item).toHaveText(HANGUL);
  expect(errors).toEqual([]);
});
