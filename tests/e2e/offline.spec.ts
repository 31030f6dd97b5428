/**
 * Offline use (wasm project: the CPU backend is the one a classroom without network relies on).
 * The built site, served by a plain static server (scripts/serve.mjs), is visited once; the service
 * worker precaches pages and code, "Make available offline" fetches the large files; then the
 * server is stopped, and another lesson still opens and passes its checks on WASM.
 */
import { expect, test } from '@playwright/test';
import { type ChildProcess, spawn } from 'node:child_process';
import { waitForBadge, waitIdle, watchErrors } from './helpers';

test.skip(() => test.info().project.name !== 'wasm', 'offline use is tested on the CPU backend');
test.use({ serviceWorkers: 'allow' });

const PORT = 4330;
const SITE = `http://localhost:${PORT}`;

function serve(): ChildProcess {
  return spawn('node', ['scripts/serve.mjs', '--dir', 'build', '--port', String(PORT)], { stdio: 'ignore' });
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
