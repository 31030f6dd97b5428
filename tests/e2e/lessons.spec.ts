/**
 * Every lesson page, in real Chromium, on the project's backend: it loads without console errors,
 * the starter fails Check, the solution passes it, and Run fills both charts with one measured
 * point per sequence length that ran (the others are listed with their reason). Runs use the
 * quick sweep (three smallest lengths, one repeat): the charts' behaviour, not the numbers, is tested.
 */
import { expect, test } from '@playwright/test';
import {
  expectedBackend,
  lessonSlugs,
  solveCheckAndRun,
  useQuickSweep,
  waitForBadge,
  waitIdle,
  watchErrors
} from './helpers';

for (const slug of lessonSlugs) {
  test.describe(`lesson ${slug}`, () => {
    test('starter fails Check, solution passes it and fills the charts', async ({ page }) => {
      const errors = watchErrors(page);
      await page.goto(`/lessons/${slug}`);
      await expect(page.getByTestId('prose').locator('h1')).toBeVisible();
      await waitForBadge(page);
      await expect(page.getByTestId('backend-select')).toHaveValue(expectedBackend());
      await useQuickSweep(page);

      await page.getByTestId('check').click();
      await waitIdle(page);
      await expect(page.getByTestId('check-result')).toHaveAttribute('data-status', 'fail');

      await solveCheckAndRun(page);
      const rows = page.locator('[data-testid=results-table] tbody tr');
      const measured = await page.locator('[data-testid=results-table] tbody tr[data-status=measured]').count();
      expect(await rows.count()).toBeGreaterThan(0);
      expect(measured).toBeGreaterThanOrEqual(2);
      const series = new Set(
        await page.locator('[data-testid=results-table] tbody tr td:first-child').allTextContents()
      );
      // One plotted point per measured row, on both charts.
      await expect(page.getByTestId('chart-time')).toHaveAttribute('data-points', String(measured));
      await expect(page.getByTestId('chart-memory')).toHaveAttribute('data-points', String(measured));
      expect(series.size).toBeGreaterThan(0);
      // The quick sweep ran: three sequence lengths at most per series.
      expect(await rows.count()).toBeLessThanOrEqual(3 * series.size);
      await expect(page.getByTestId('status')).toHaveAttribute('data-live-gpu-buffers', '0');
      expect(errors).toEqual([]);
    });
  });
}
