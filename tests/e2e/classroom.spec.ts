/**
 * Teaching with SpeedLab (wasm project: none of this depends on the backend): share links between
 * two browsers (the receiver's own code kept, nothing run until Run), every refusal reason, progress
 * export → import, the class page with good and broken files, and exam links.
 */
import { type Browser, type Page, expect, test } from '@playwright/test';
import { deflateSync, strToU8 } from 'fflate';
import { readFileSync, readdirSync } from 'node:fs';
import { seedCode, seedStorage, waitForBadge, watchErrors } from './helpers';

test.skip(() => test.info().project.name !== 'wasm', 'the classroom features do not depend on the backend');

function starterOf(slug: string): Record<string, string> {
  const dir = `lessons/${slug}/starter`;
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(`${dir}/${f}`, 'utf8')]));
}

/** The learner's main.ts as the page keeps it (the editor shows only the open tab). */
async function mainTs(page: Page, slug: string): Promise<string> {
  return page.evaluate(
    (key) => JSON.parse(localStorage.getItem(key) ?? '{"files":{}}').files['main.ts'] ?? '',
    `speedlab:v1:code:${slug}`
  );
}

async function open(browser: Browser, slug: string, mainTs: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await seedCode(page, slug, { ...starterOf(slug), 'main.ts': mainTs });
  return { context, page, errors };
}

/** A share value made outside the page, as a damaged or hand-made link would be. */
function handMade(payload: object): string {
  const json = strToU8(JSON.stringify(payload));
  const packed = deflateSync(json);
  return `1.${packed.length}.${json.length}.${Buffer.from(packed).toString('base64url')}`;
}

test('a share link carries code to another browser, which keeps its own until it chooses, and runs nothing', async ({
  browser
}) => {
  const starter = starterOf('01-attention');
  const sender = await open(browser, '01-attention', starter['main.ts'] + '\n// shared by the teacher\n');
  await sender.page.goto('/lessons/01-attention');
  await waitForBadge(sender.page);
  await sender.page.getByTestId('share').click();
  const link = await sender.page.getByTestId('share-link').inputValue();
  expect(link).toMatch(/\/lessons\/01-attention#share=1\./);
  await expect(sender.page.getByTestId('share-qr').locator('svg')).toBeVisible();

  const receiver = await open(browser, '01-attention', starter['main.ts'] + '\n// my own work\n');
  await receiver.page.goto(link);
  await waitForBadge(receiver.page);
  await expect(receiver.page.getByTestId('share-received')).toBeVisible();
  await expect(receiver.page.getByTestId('share-file')).toHaveCount(1);
  expect(await mainTs(receiver.page, '01-attention')).toContain('my own work');
  expect(await mainTs(receiver.page, '01-attention')).not.toContain('shared by the teacher');
  const idle = await receiver.page.getByTestId('status').textContent();
  expect(idle).toContain('Press Run');

  await receiver.page.getByTestId('share-load').click();
  await expect(receiver.page.getByTestId('share-received')).toHaveCount(0);
  await expect.poll(() => mainTs(receiver.page, '01-attention')).toContain('shared by the teacher');
  // Loading is not running: no check ran, the status is unchanged, and the address no longer offers the share.
  expect(await receiver.page.getByTestId('status').textContent()).toBe(idle);
  await expect(receiver.page.getByTestId('check-result')).toHaveCount(0);
  expect(receiver.page.url()).not.toContain('#share=');
  // Their own code is one Undo away.
  await receiver.page.getByTestId('undo').click();
  await expect.poll(() => mainTs(receiver.page, '01-attention')).toContain('my own work');

  expect([...sender.errors, ...receiver.errors]).toEqual([]);
  await sender.context.close();
  await receiver.context.close();
});

test('every refused link says why and leaves the learner’s code untouched', async ({ browser }) => {
  const starter = starterOf('01-attention');
  const sender = await open(browser, '01-attention', starter['main.ts'] + '\n// shared\n');
  await sender.page.goto('/lessons/01-attention');
  await waitForBadge(sender.page);
  await sender.page.getByTestId('share').click();
  const link = await sender.page.getByTestId('share-link').inputValue();
  const value = link.split('#share=')[1];
  await sender.context.close();

  const stale = handMade({ v: 1, id: '01-attention', starter: '0', backend: 'wasm', files: { 'main.ts': 'x' } });
  const cases: [string, string][] = [
    ['malformed', `/lessons/01-attention#share=hello`],
    ['truncated', `/lessons/01-attention#share=${value.slice(0, value.length - 12)}`],
    ['too-large', `/lessons/01-attention#share=1.1.1.${'A'.repeat(70_000)}`],
    ['other-lesson', `/lessons/02-kv-cache#share=${value}`],
    ['stale', `/lessons/01-attention#share=${stale}`]
  ];
  for (const [reason, url] of cases) {
    const slug = url.split('/')[2].split('#')[0];
    const own = starterOf(slug)['main.ts'] + '\n// keep me\n';
    const r = await open(browser, slug, own);
    await r.page.goto(url);
    await waitForBadge(r.page);
    const refused = r.page.getByTestId('share-refused');
    await expect(refused, reason).toHaveAttribute('data-reason', reason);
    await expect(refused).toContainText('Your own code is untouched');
    expect(await mainTs(r.page, slug)).toContain('keep me');
    expect(r.errors).toEqual([]);
    await r.context.close();
  }
});

test('progress exported from one browser imports identically into another', async ({ browser }) => {
  const first = await browser.newContext();
  const page = await first.newPage();
  await seedStorage(page, {
    'speedlab:v1:passed:01-attention': 'true',
    'speedlab:v1:checks:01-attention': JSON.stringify({ passed: 4, total: 4, at: 1000 }),
    'speedlab:v1:hints:02-kv-cache': '2',
    'speedlab:v1:solution:02-kv-cache': 'true',
    'speedlab:v1:time:02-kv-cache': '61000'
  });
  await page.goto('/');
  await page.getByTestId('progress-name').fill('Ada Lovelace');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('progress-export').click()]);
  expect(download.suggestedFilename()).toBe('speedlab-progress-Ada-Lovelace.json');
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(Object.keys(exported.lessons).sort()).toEqual(['01-attention', '02-kv-cache']);

  const second = await browser.newContext();
  const other = await second.newPage();
  await other.goto('/');
  await other.getByTestId('progress-import').setInputFiles({
    name: 'ada.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(exported))
  });
  await expect(other.getByTestId('progress-status')).toContainText('Imported 2 lesson(s) from Ada Lovelace');
  await expect(other.locator('[data-lesson="01-attention"] .done')).toBeVisible();
  await other.getByTestId('progress-name').fill('Ada Lovelace');
  const [again] = await Promise.all([other.waitForEvent('download'), other.getByTestId('progress-export').click()]);
  const reexported = JSON.parse(readFileSync(await again.path(), 'utf8'));
  expect({ ...reexported, exportedAt: '' }).toEqual({ ...exported, exportedAt: '' });

  // A file that is not progress is refused with its reason and changes nothing.
  await other.getByTestId('progress-import').setInputFiles({
    name: 'notes.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"hello": 1}')
  });
  await expect(other.getByTestId('progress-status')).toContainText('not a SpeedLab progress file');
  await first.close();
  await second.close();
});

test('the class page grids good files, marks same names, and lists a broken one with its reason', async ({ page }) => {
  const errors = watchErrors(page);
  const file = (name: string, passed: boolean) => ({
    format: 'speedlab-progress',
    version: 1,
    name,
    exportedAt: '2026-12-04T10:00:00.000Z',
    lessons: {
      '01-attention': {
        passed,
        checks: { passed: passed ? 4 : 2, total: 4, at: 1 },
        hintsOpened: 1,
        solutionShown: false,
        lastRun: 1,
        timeMs: 120000
      }
    }
  });
  await page.goto('/class');
  await page.getByTestId('class-files').setInputFiles([
    { name: 'ada.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file('Ada', true))) },
    { name: 'ada-2.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file('Ada', false))) },
    { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "speedlab-progress",') }
  ]);
  const grid = page.getByTestId('class-grid');
  await expect(grid.getByTestId('class-row')).toHaveCount(2);
  await expect(grid.locator('[data-duplicate="true"]')).toHaveCount(2);
  await expect(grid.getByTestId('class-row').first().locator('[data-lesson="01-attention"]')).toHaveText('✓ h1');
  await expect(grid.getByTestId('class-row').nth(1).locator('[data-lesson="01-attention"]')).toHaveText('2/4 h1');
  await expect(page.getByTestId('class-error')).toHaveCount(1);
  await expect(page.getByTestId('class-error')).toContainText('broken.json: not JSON');

  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('class-csv').click()]);
  const lines = readFileSync(await csv.path(), 'utf8')
    .trimEnd()
    .split('\r\n');
  expect(lines).toHaveLength(3);
  expect(lines[1]).toMatch(/^Ada,ada\.json,true,01-attention,true,4,4,1,false,/);
  expect(errors).toEqual([]);
});

test('an exam link hides the hints and solution of the lessons it names, until the end link', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/class');
  await page.getByTestId('exam-lesson').first().check();
  const link = await page.getByTestId('exam-link').getAttribute('href');
  expect(link).toMatch(/\/\?exam=01-attention$/);

  const exam = () => page.evaluate(() => localStorage.getItem('speedlab:v1:exam'));
  await page.goto(link!);
  await expect.poll(exam).toContain('01-attention');
  await page.goto('/lessons/01-attention');
  await waitForBadge(page);
  await expect(page.getByTestId('exam-notice')).toBeVisible();
  await expect(page.getByTestId('hint-next')).toHaveCount(0);
  await expect(page.getByTestId('show-solution')).toHaveCount(0);
  await page.reload();
  await waitForBadge(page);
  await expect(page.getByTestId('exam-notice')).toBeVisible();

  // Another lesson is untouched.
  await page.goto('/lessons/02-kv-cache');
  await waitForBadge(page);
  await expect(page.getByTestId('exam-notice')).toHaveCount(0);
  await expect(page.getByTestId('show-solution')).toBeVisible();

  await page.goto('/?exam=off');
  await expect.poll(exam).toBeNull();
  await page.goto('/lessons/01-attention');
  await waitForBadge(page);
  await expect(page.getByTestId('exam-notice')).toHaveCount(0);
  await expect(page.getByTestId('hint-next')).toBeVisible();
  await expect(page.getByTestId('show-solution')).toBeVisible();
  expect(errors).toEqual([]);
});

test('presenter mode steps through the prose by section, shows the QR code on a key, and leaves the page as it was', async ({
  page
}) => {
  const errors = watchErrors(page);
  await page.goto('/lessons/01-attention');
  await waitForBadge(page);
  const headings = page.getByTestId('prose').locator('.body > h2');
  const total = await headings.count();
  expect(total).toBeGreaterThanOrEqual(2);

  await page.getByTestId('presenter-toggle').click();
  await expect(page.getByTestId('presenter-keys')).toContainText('Esc leave');
  const section = page.getByTestId('presenter-section');
  await expect(section).toHaveAttribute('data-index', '0');
  // One section at a time: the introduction shows no h2 at all.
  await expect(headings.filter({ visible: true })).toHaveCount(0);

  await page.keyboard.press('ArrowRight');
  await expect(section).toHaveAttribute('data-index', '1');
  await expect(headings.filter({ visible: true })).toHaveCount(1);
  await expect(headings.filter({ visible: true })).toHaveText((await headings.first().textContent()) ?? '');
  await page.keyboard.press('n');
  await expect(section).toHaveAttribute('data-index', '2');
  await page.keyboard.press('p');
  await expect(section).toHaveAttribute('data-index', '1');

  await page.keyboard.press('q');
  await expect(page.getByTestId('share-qr').locator('svg')).toBeVisible();
  await page.keyboard.press('q');
  await expect(page.getByTestId('share-qr')).toHaveCount(0);

  await page.keyboard.press('Escape');
  await expect(page.getByTestId('presenter-keys')).toHaveCount(0);
  await expect(headings.filter({ visible: true })).toHaveCount(total);
  expect(errors).toEqual([]);
});
