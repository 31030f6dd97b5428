/** The compare page runs chosen solutions and onnxruntime's MatMul on this backend, on shared axes. */
import { expect, test } from '@playwright/test';
import { expectedBackend, waitForBadge, waitIdle, watchErrors } from './helpers';

test('compare: one lesson over two lengths, with the MatMul baseline and efficiency', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(`/compare?lessons=01-attention&n=64,128&backend=${expectedBackend()}`);
  await waitForBadge(page);
  await page.getByTestId('run').click();
  await waitIdle(page);
  await expect(page.getByTestId('matmul-result')).toContainText('GFLOP/s');
  await expect(page.getByTestId('chart-time')).toHaveAttribute('data-points', '2');
  await expect(page.getByTestId('chart-memory')).toHaveAttribute('data-points', '2');
  await expect(page.locator('[data-testid=efficiency-table] tbody tr')).toHaveCount(2);
  const data = JSON.parse((await page.getByTestId('compare-json').textContent()) ?? '{}');
  expect(data.matmul.gflops).toBeGreaterThan(0);
  expect(data.errors).toEqual([]);
  expect(errors).toEqual([]);
});
