/**
 * The sandbox, in real Chromium: runaway code is stopped and the page stays responsive; learner
 * code cannot read the app's storage, fetch, or reach the page; errors point at the learner's lines.
 */
import { expect, test } from '@playwright/test';
import { seedCode, waitForBadge, waitIdle, watchErrors } from './helpers';

test('while(true) is stopped by Stop and the page answers a click within a second', async ({ page }) => {
  watchErrors(page);
  await seedCode(page, 'playground', { 'main.ts': 'export async function main() {\n  while (true) {}\n}\n' });
  await page.goto('/playground');
  await waitForBadge(page);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('stop')).toBeEnabled();
  await page.waitForTimeout(1500);
  await page.getByTestId('stop').click();
  await waitIdle(page, 2000);
  // The main thread is free: a click is handled, and the page evaluates at once.
  const t0 = Date.now();
  await page.getByRole('tab', { name: 'main.ts' }).click({ timeout: 1000 });
  expect(await page.evaluate(() => 1 + 1)).toBe(2);
  expect(Date.now() - t0).toBeLessThan(1000);
  await expect(page.getByTestId('status')).toContainText('Stopped');
  // And the sandbox works again afterwards.
  await page.getByTestId('run').click();
  await page.getByTestId('stop').click();
  await waitIdle(page, 2000);
});

test('learner code cannot read the app storage, fetch, or reach the page', async ({ page }) => {
  watchErrors(page);
  const probe = `import { log } from 'lab';
export async function main() {
  const g = globalThis as Record<string, unknown>;
  let idb = 'none';
  if (g.indexedDB) {
    try {
      await new Promise((resolve, reject) => {
        const r = (g.indexedDB as IDBFactory).open('probe');
        r.onsuccess = resolve;
        r.onerror = () => reject(r.error);
      });
      idb = 'opened';
    } catch {
      idb = 'blocked';
    }
  }
  log('localStorage:', typeof g.localStorage, 'indexedDB:', idb);
  try { await fetch('/'); log('fetch: allowed'); } catch { log('fetch: blocked'); }
  log('parent:', typeof g.parent === 'undefined' && typeof g.document === 'undefined' ? 'none' : 'visible');
  log('origin:', String(g.origin));
}
`;
  await page.addInitScript(() => localStorage.setItem('secret', 'the app keeps this'));
  await seedCode(page, 'playground', { 'main.ts': probe });
  await page.goto('/playground');
  await waitForBadge(page);
  await page.getByTestId('run').click();
  await waitIdle(page);
  const out = page.getByTestId('console');
  await expect(out).toContainText(/localStorage: undefined indexedDB: (none|blocked)/);
  await expect(out).toContainText('fetch: blocked');
  await expect(out).toContainText('parent: none');
  await expect(out).toContainText('origin: null');

  // The sandbox iframe itself has an opaque origin: no storage of the app's, no access to the page.
  const frame = page.frameLocator('[data-testid=sandbox]');
  const handle = await page.locator('[data-testid=sandbox]').elementHandle();
  const f = await handle!.contentFrame();
  expect(f).not.toBeNull();
  const inside = await f!.evaluate(async () => {
    const r: Record<string, string> = {};
    try {
      r.storage = String(localStorage.getItem('secret'));
    } catch (e) {
      r.storage = `blocked: ${(e as Error).name}`;
    }
    try {
      r.parent = String(parent.document.title);
    } catch (e) {
      r.parent = `blocked: ${(e as Error).name}`;
    }
    try {
      await fetch('/');
      r.fetch = 'allowed';
    } catch {
      r.fetch = 'blocked';
    }
    return r;
  });
  expect(inside.storage).toMatch(/^blocked/);
  expect(inside.parent).toMatch(/^blocked/);
  expect(inside.fetch).toBe('blocked');
  void frame;
});

test('a syntax error and a runtime error point at the learner’s line', async ({ page }) => {
  watchErrors(page);
  await seedCode(page, 'playground', { 'main.ts': 'export async function main() {\n  const x = ;\n}\n' });
  await page.goto('/playground');
  await waitForBadge(page);
  await page.getByTestId('run').click();
  await waitIdle(page);
  await expect(page.getByTestId('errors')).toContainText('main.ts:2');

  await page.evaluate(() => {
    localStorage.setItem(
      'speedlab:v1:code:playground',
      JSON.stringify({
        files: {
          'main.ts': 'export async function main() {\n  const t = null as unknown as { x: number };\n  return t.x;\n}\n'
        },
        starter: '',
        savedAt: 0
      })
    );
  });
  await page.reload();
  await waitForBadge(page);
  await page.getByTestId('run').click();
  await waitIdle(page);
  await expect(page.getByTestId('errors')).toContainText('main.ts:3');
  await expect(page.getByTestId('errors')).toContainText('TypeError');
});
