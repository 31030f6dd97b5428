import { type Page, expect, test } from '@playwright/test';
import { readdirSync } from 'node:fs';

/** Lesson folders, read from disk so a new lesson is tested without touching this file. */
export const lessonSlugs = readdirSync('lessons', { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
  .map((d) => d.name)
  .sort();

/** Collects console errors and uncaught exceptions; a test ends by asserting there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  // Confirmation dialogs (Reset, Show solution) are accepted.
  page.on('dialog', (d) => void d.accept());
  return errors;
}

/** The backend this project runs with: the WebGPU project must find an adapter. */
export function expectedBackend(): 'webgpu' | 'wasm' {
  return test.info().project.name === 'webgpu' ? 'webgpu' : 'wasm';
}

export async function waitForBadge(page: Page): Promise<void> {
  const badge = page.getByTestId('backend-badge');
  await expect(badge).not.toHaveAttribute('data-backend', 'detecting');
  await expect(badge, 'this project expects that backend (no WebGPU adapter means the test fails)').toHaveAttribute(
    'data-backend',
    expectedBackend()
  );
}

/** Wait until the run in progress has finished (Stop disabled again). */
export async function waitIdle(page: Page, timeout = 170_000): Promise<void> {
  await expect(page.getByTestId('run')).toBeEnabled({ timeout });
}

/** Seed the code that the page will load for a lesson or the playground, before navigation. */
export async function seedCode(page: Page, id: string, files: Record<string, string>): Promise<void> {
  await page.addInitScript(
    ([key, value]) => {
      // Init scripts also run in the opaque-origin sandbox frame, which has no storage.
      if (window !== window.top) return;
      if (!sessionStorage.getItem('seeded:' + key)) {
        localStorage.setItem(key, value);
        sessionStorage.setItem('seeded:' + key, '1');
      }
    },
    [`speedlab:v1:code:${id}`, JSON.stringify({ files, starter: '', savedAt: 0 })] as const
  );
}

/** Seed raw localStorage entries (any text, valid or not) once per test, before navigation. */
export async function seedStorage(page: Page, entries: Record<string, string>): Promise<void> {
  await page.addInitScript((all) => {
    if (window !== window.top || sessionStorage.getItem('seeded:raw')) return;
    for (const [k, v] of Object.entries(all)) localStorage.setItem(k, v);
    sessionStorage.setItem('seeded:raw', '1');
  }, entries);
}

/** Run lessons on their three smallest sequence lengths, once each: the suite checks behaviour, not speed. */
export async function useQuickSweep(page: Page): Promise<void> {
  await page.getByTestId('sweep-size').selectOption('quick');
}

/** Show the solution, Check it (it must pass), then Run its sweep, which must end without an error. */
export async function solveCheckAndRun(page: Page): Promise<void> {
  await page.getByTestId('show-solution').click();
  await page.getByTestId('check').click();
  await waitIdle(page);
  const result = page.getByTestId('check-result');
  await expect(result, (await result.textContent()) ?? '').toHaveAttribute('data-status', 'pass');
  await page.getByTestId('run').click();
  await waitIdle(page);
  await expect(page.getByTestId('errors')).toHaveCount(0);
}
