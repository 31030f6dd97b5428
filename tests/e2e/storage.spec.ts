/** Code is kept in this browser; Reset and Show solution can be undone. */
import { expect, test } from '@playwright/test';
import { seedCode, waitForBadge, watchErrors } from './helpers';

test('saved code comes back, Reset restores the starter, Undo brings the code back', async ({ page }) => {
  const errors = watchErrors(page);
  const { readFileSync } = await import('node:fs');
  const starter = readFileSync('lessons/01-attention/starter/main.ts', 'utf8');
  const wgsl = readFileSync('lessons/01-attention/starter/attention.wgsl', 'utf8');
  await seedCode(page, '01-attention', { 'main.ts': `// my notes\n${starter}`, 'attention.wgsl': wgsl });
  await page.goto('/lessons/01-attention');
  await waitForBadge(page);
  const editor = page.getByTestId('editor');
  await expect(editor).toHaveAttribute('data-ready', 'true');
  await page.getByRole('tab', { name: 'main.ts' }).click();
  await expect(editor.locator('.view-lines')).toContainText('my notes');

  await page.getByTestId('reset').click();
  await expect(editor.locator('.view-lines')).not.toContainText('my notes');
  await page.reload();
  await page.getByRole('tab', { name: 'main.ts' }).click();
  await expect(editor.locator('.view-lines')).not.toContainText('my notes');

  await page.getByTestId('undo').click();
  await expect(editor.locator('.view-lines')).toContainText('my notes');
  expect(errors).toEqual([]);
});
