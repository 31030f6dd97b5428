/**
 * A lesson done with the keyboard alone (wasm project: the controls do not depend on the backend):
 * Tab into the editor, edit, leave it with Ctrl+M (Monaco's Tab-moves-focus mode), Shift+Tab back
 * to the toolbar, Run and Check with Enter, and find the verdict in a live region and the results
 * table behind a disclosure that Tab reaches. Focus is visible on the controls reached on the way.
 */
import { type Page, expect, test } from '@playwright/test';
import { waitForBadge, waitIdle, watchErrors } from './helpers';

test.skip(() => test.info().project.name !== 'wasm', 'the controls do not depend on the backend');

/** Press Tab (or Shift+Tab) until `matches` holds for the focused element; fail after `limit` presses. */
async function tabTo(page: Page, what: string, matches: string, limit = 80, key = 'Tab'): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(key);
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, matches)) return;
  }
  throw new Error(`${limit} presses of Tab never reached ${what}`);
}

/** The focused control draws a visible focus indicator (an outline or a box shadow). */
async function focusVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || !el.matches(':focus-visible')) return false;
    const style = getComputedStyle(el);
    return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
  });
}

test('a lesson can be opened, edited, run and checked with the keyboard alone', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await page.goto('/lessons/01-attention');
  await waitForBadge(page);

  // Into the editor: its file tabs first, then (once Monaco has loaded) its text area.
  await tabTo(page, 'the editor’s file tabs', '[data-testid=editor] [role=tab]');
  expect(await focusVisible(page), 'a file tab shows where the focus is').toBe(true);
  await expect(page.getByTestId('editor')).toHaveAttribute('data-ready', 'true');
  await tabTo(page, 'the editor’s text', '[data-testid=editor] [role=textbox]', 10);

  // Edit: a comment at the end of the file, typed.
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n// edited with the keyboard');
  await expect(page.getByTestId('editor').locator('.view-lines')).toContainText('edited with the keyboard');

  // Out of the editor, back to the toolbar above it: the sweep size (the quick one), Run and Check.
  await page.keyboard.press('Control+M');
  await tabTo(page, 'the sweep size', '[data-testid=sweep-size]', 30, 'Shift+Tab');
  // Arrow keys change a closed select's value in place.
  for (let i = 0; i < 3 && (await page.getByTestId('sweep-size').inputValue()) !== 'quick'; i++) {
    await page.keyboard.press('ArrowDown');
  }
  await expect(page.getByTestId('sweep-size')).toHaveValue('quick');
  await tabTo(page, 'Run', '[data-testid=run]');
  expect(await focusVisible(page), 'Run shows where the focus is').toBe(true);
  await page.keyboard.press('Enter');
  await waitIdle(page);
  await expect(page.locator('[data-testid=results-table] tbody tr').first()).toBeAttached();

  await tabTo(page, 'Check', '[data-testid=check]', 3);
  await page.keyboard.press('Enter');
  await waitIdle(page);
  const result = page.getByTestId('check-result');
  // The starter fails its check; the verdict and its messages are announced and can be read.
  await expect(result).toHaveAttribute('data-status', 'fail');
  await expect(page.getByTestId('status')).toHaveAttribute('aria-live', 'polite');
  expect((await result.textContent())?.trim().length).toBeGreaterThan(20);

  // The measured points: the table's disclosure comes later in the tab order, and Enter opens it.
  await tabTo(page, 'the results table', 'details:has([data-testid=results-table]) > summary');
  expect(await focusVisible(page), 'the table’s disclosure shows where the focus is').toBe(true);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('results-table')).toBeVisible();
  expect(errors).toEqual([]);
});
