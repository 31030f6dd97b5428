/**
 * Offline use (wasm project: the CPU backend is the one a classroom without network relies on).
 * The built site, served by a plain static server (scripts/serve.mjs), is visited once; the service
 * worker precaches pages and code, "Make available offline" fetches the large files; then the
 * server is stopped, and another lesson still opens and passes its checks on WASM.
 */
import { expect, test } from '@playwright/test';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForBadge, waitIdle, watchErrors } from './helpers';

test.skip(() => test.info().project.name !== 'wasm', 'offline use is tested on the CPU backend');
test.use({ serviceWorkers: 'allow' });

const PORT = 4330;
const SITE = `http://localhost:${PORT}`;

function serve(dir = 'build'): ChildProcess {
  return spawn('node', ['scripts/serve.mjs', '--dir', dir, '--port', String(PORT)], { stdio: 'ignore' });
}

async function up(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${SITE}/`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the static server did not start');
}

test('after one visit and "Make available offline", the site works with the server gone', async ({ page }) => {
  test.setTimeout(240_000);
  const server = serve();
  try {
    await up();
    const errors = watchErrors(page);
    await page.goto(`${SITE}/lessons/01-attention`);
    await waitForBadge(page);
    // The first visit installs the service worker; it controls the pages opened after it.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await waitForBadge(page);

    const prepare = page.getByTestId('offline-prepare');
    await expect(prepare).toContainText(/Make available offline \(downloads [\d.]+ MiB\)/);
    await prepare.click();
    await expect(page.getByTestId('offline-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
    // One check while online, so that the sandbox page is in the browser's cache too.
    await page.getByTestId('check').click();
    await waitIdle(page);

    server.kill();
    await expect
      .poll(() =>
        fetch(`${SITE}/`).then(
          () => 'up',
          () => 'down'
        )
      )
      .toBe('down');

    await page.goto(`${SITE}/lessons/02-kv-cache`);
    await waitForBadge(page);
    await page.getByTestId('show-solution').click();
    await page.getByTestId('check').click();
    await waitIdle(page);
    const result = page.getByTestId('check-result');
    await expect(result, (await result.textContent()) ?? '').toHaveAttribute('data-status', 'pass');
    // Offline, the page's own requests fail; nothing else may.
    expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to fetch/.test(e))).toEqual([]);
  } finally {
    server.kill();
  }
});

test('a new deployment shows "update available", and the update waits for the run in progress', async ({ page }) => {
  test.setTimeout(180_000);
  // A copy of the site whose service worker can be changed, as a new deployment changes it.
  const dir = mkdtempSync(join(tmpdir(), 'speedlab-deploy-'));
  cpSync('build', dir, { recursive: true });
  const server = serve(dir);
  try {
    await up();
    const errors = watchErrors(page);
    await page.goto(`${SITE}/lessons/01-attention`);
    await waitForBadge(page);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await waitForBadge(page);
    await expect(page.getByTestId('update-available')).toHaveCount(0);

    // The next deployment: a different service worker script.
    appendFileSync(join(dir, 'sw.js'), '\n// the next deployment\n');
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
    await expect(page.getByTestId('update-available')).toBeVisible({ timeout: 60_000 });

    // During a run the update cannot be applied; after it, it can.
    await page.getByTestId('run').click();
    await expect(page.getByTestId('update-apply')).toBeDisabled();
    await page.getByTestId('stop').click();
    await expect(page.getByTestId('update-apply')).toBeEnabled();
    await page.getByTestId('update-apply').click();
    await expect(page.getByTestId('update-available')).toHaveCount(0, { timeout: 30_000 });
    await waitForBadge(page);
    expect(errors).toEqual([]);
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
