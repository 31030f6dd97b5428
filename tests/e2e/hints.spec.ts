/**
 * Graded hints (wasm project: they do not depend on the backend): revealed one at a time, each
 * kept after a reload, and the solution still behind its own confirmation.
 */
import { expect, test } from '@playwright/test';
import { waitForBadge, watchErrors } from './helpers';

test('hints open one at a time, are remembered, and the solution stays behind its confirmation', async ({ page }) => {
  test.skip(test.info().project.name !== 'wasm', 'hints do not depend on the backend');
  const errors = watchErrors(page);
  await page.goto('/lessons/01-attention');
  await waitForBadge(page);
  const hints = page.getByTestId('hint');
  await expect(hints).toHaveCount(0);
  const total = Number(((await page.getByTestId('hint-next').textContent()) ?? '').match(/of (\d+)/)?.[1]);
  expect(total).toBeGreaterThanOrEqual(2);

  await page.getByTestId('hint-next').click();
  await expect(hints).toHaveCount(1);
  await expect(hints.first()).toContainText('Hint 1 of');
  // Math in a hint is rendered, not shown as TeX.
  await expect(hints.first().locator('.katex').first()).toBeVisible();

  await page.reload();
  await waitForBadge(page);
  await expect(hints).toHaveCount(1);
  for (let n = 2; n <= total; n++) {
    await page.getByTestId('hint-next').click();
    await expect(hints).toHaveCount(n);
  }
  await expect(page.getByTestId('hint-next')).toHaveCount(0);

  // Declining the confirmation keeps the learner's code.
  const before = await page.getByTestId('editor').textContent();
  page.removeAllListeners('dialog');
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await page.getByTestId('show-solution').click();
  await expect.poll(() => asked).toContain('solution');
  expect(await page.getByTestId('editor').textContent()).toBe(before);
  expect(errors).toEqual([]);
});
