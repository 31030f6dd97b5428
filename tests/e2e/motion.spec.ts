/**
 * Animation and prefers-reduced-motion (wasm project: it does not depend on the backend). A plot
 * redrawn during a run (an animation, such as a histogram over training steps) is redrawn live by
 * default; under reduced motion the page keeps its first drawing until the run ends, then shows
 * the last one.
 */
import { type Page, expect, test } from '@playwright/test';
import { seedCode, waitForBadge, waitIdle, watchErrors } from './helpers';

test.skip(() => test.info().project.name !== 'wasm', 'animation does not depend on the backend');

// Draws the same chart 6 times, one more point each time, 400 ms apart.
const ANIMATION = `import { plot } from 'lab';

export async function main() {
  for (let step = 1; step <= 6; step++) {
    const points: [number, number][] = [];
    for (let i = 1; i <= step; i++) points.push([i, i * i]);
    plot({ id: 'anim', title: 'growing', x: { label: 'step' }, y: { label: 'value' }, series: [{ label: 's', points }] });
    await new Promise((r) => setTimeout(r, 400));
  }
}
`;

/** The point counts the chart showed while the run went on, and after it. */
async function watch(page: Page): Promise<{ during: number[]; after: number }> {
  await seedCode(page, 'playground', { 'main.ts': ANIMATION });
  await page.goto('/playground');
  await waitForBadge(page);
  await page.getByTestId('run').click();
  const chart = page.getByTestId('chart-anim');
  await expect(chart).toBeAttached();
  const during: number[] = [];
  while (await page.getByTestId('run').isDisabled()) {
    during.push(Number(await chart.getAttribute('data-points')));
    await page.waitForTimeout(150);
  }
  await waitIdle(page);
  return { during, after: Number(await chart.getAttribute('data-points')) };
}

test('a plot redrawn during a run animates by default', async ({ page }) => {
  const errors = watchErrors(page);
  const { during, after } = await watch(page);
  expect(new Set(during).size, `point counts seen during the run: ${during.join(', ')}`).toBeGreaterThan(1);
  expect(after).toBe(6);
  expect(errors).toEqual([]);
});

test('under prefers-reduced-motion a redrawn plot shows its first and last drawing only', async ({ page }) => {
  const errors = watchErrors(page);
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const { during, after } = await watch(page);
  expect(new Set(during), `point counts seen during the run: ${during.join(', ')}`).toEqual(new Set([1]));
  expect(after).toBe(6);
  expect(errors).toEqual([]);
});
