/**
 * Phones and small tablets (wasm project: layout does not depend on the backend): no page scrolls
 * sideways at 360 px or 768 px, in English or Korean, and not because overflow is hidden: wide content (display math,
 * tables, the editor) scrolls inside its own box.
 */
import { expect, test } from '@playwright/test';
import { lessonSlugs, watchErrors } from './helpers';

test.skip(() => test.info().project.name !== 'wasm', 'layout does not depend on the backend');

const english = ['/', '/compare', '/playground', '/class', ...lessonSlugs.map((s) => `/lessons/${s}`)];
const pages = [...english, ...english.map((p) => (p === '/' ? '/ko' : `/ko${p}`))];

for (const width of [360, 768]) {
  test(`no page scrolls sideways at ${width} px`, async ({ page }) => {
    test.setTimeout(300_000);
    const errors = watchErrors(page);
    await page.setViewportSize({ width, height: 800 });
    for (const path of pages) {
      await page.goto(path);
      await expect(page.locator('main')).toBeVisible();
      const layout = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        hidden: [document.documentElement, document.body].some((e) =>
          ['hidden', 'clip'].includes(getComputedStyle(e).overflowX)
        )
      }));
      expect(layout.hidden, `${path}: overflow is hidden on the page`).toBe(false);
      expect(layout.width, `${path} at ${width} px`).toBeLessThanOrEqual(width);
    }
    expect(errors).toEqual([]);
  });
}
