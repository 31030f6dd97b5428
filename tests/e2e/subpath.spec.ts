/**
 * The site hosted under a sub-path, as GitHub Pages serves a project (/<repository>/): the build made
 * with BASE_PATH=/speedlab (`npm run build:subpath`, part of `npm test`), served by a plain static
 * server (scripts/serve.mjs). Its links stay under the sub-path, and a lesson runs its checks there
 * on the project's backend.
 */
import { expect, test } from '@playwright/test';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expectedBackend, waitForBadge, waitIdle, watchErrors } from './helpers';

const PORT = 4320;
const BASE = '/speedlab';
const SITE = `http://localhost:${PORT}${BASE}`;
let server: ChildProcess;

test.beforeAll(async () => {
  expect(existsSync('build-speedlab/index.html'), 'build the sub-path site first: npm run build:subpath').toBe(true);
  server = spawn('node', ['scripts/serve.mjs', '--dir', 'build-speedlab', '--base', BASE, '--port', String(PORT)], {
    stdio: 'ignore'
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${SITE}/`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the static server did not start');
});

test.afterAll(() => {
  server?.kill();
});

test('under a sub-path, the links stay inside it and a lesson passes its checks', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(`${SITE}/`);
  const lessonLink = page.locator('[data-lesson="01-attention"] a');
  await expect(lessonLink).toHaveAttribute('href', /^(\/speedlab|\.)\/lessons\/01-attention$/);
  await lessonLink.click();
  await expect(page).toHaveURL(`${SITE}/lessons/01-attention`);
  await waitForBadge(page);
  await expect(page.getByTestId('backend-select')).toHaveValue(expectedBackend());
  await page.getByTestId('show-solution').click();
  await page.getByTestId('check').click();
  await waitIdle(page);
  const result = page.getByTestId('check-result');
  await expect(result, (await result.textContent()) ?? '').toHaveAttribute('data-status', 'pass');
  // Every navigation link of the page points inside the sub-path.
  for (const href of await page.locator('header a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href))) {
    expect(href.startsWith(`${SITE}/`), href).toBe(true);
  }
  expect(errors).toEqual([]);
});
