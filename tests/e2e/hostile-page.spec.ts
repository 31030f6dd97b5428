/**
 * The page against what learner code, shared links and old storage can throw at it: saved state
 * of the wrong shape, floods of console output, repeated labels, code edited after a check, and
 * a WGSL loop that never ends. The page must keep working and keep answering clicks.
 */
import { type Page, expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { seedCode, seedStorage, useQuickSweep, waitForBadge, waitIdle, watchErrors } from './helpers';

const project = () => test.info().project.name;
const LESSON = '01-attention';
const CODE_KEY = `speedlab:v1:code:${LESSON}`;
const UNDO_KEY = `speedlab:v1:undo:${LESSON}`;
const OTHER_KEY = 'speedlab:v1:code:02-kv-cache';
const starterMain = readFileSync(`lessons/${LESSON}/starter/main.ts`, 'utf8');
/** A line of the starter that the editor shows when the lesson starts from it. */
const starterLine = starterMain.split('\n').find((l) => l.includes('export async function attention'))!;

/** Time from a click to the page evaluating again: the main thread was free to handle it. */
async function clickLatency(page: Page): Promise<number> {
  const t0 = Date.now();
  await page.getByRole('tab', { name: 'main.ts' }).click({ timeout: 1000 });
  await page.evaluate(() => 1);
  return Date.now() - t0;
}

test.describe('saved state that cannot break a page', () => {
  test.skip(() => project() !== 'wasm', 'storage does not depend on the backend');

  const other = JSON.stringify({ files: { 'main.ts': '// my kv-cache work' }, starter: '', savedAt: 1 });
  const cases: { name: string; key: string; raw: string }[] = [
    { name: 'a JSON string', key: CODE_KEY, raw: '"x"' },
    { name: 'files: null', key: CODE_KEY, raw: JSON.stringify({ files: null, starter: '', savedAt: 0 }) },
    { name: 'an array', key: CODE_KEY, raw: '[]' },
    {
      name: 'file contents that are not strings',
      key: CODE_KEY,
      raw: JSON.stringify({ files: { 'main.ts': 42, 'attention.wgsl': { text: 'x' } }, starter: '', savedAt: 0 })
    },
    { name: 'a malformed undo entry', key: UNDO_KEY, raw: JSON.stringify({ 'main.ts': ['not', 'text'] }) }
  ];

  for (const c of cases) {
    test(`${c.name}: set aside, the lesson starts from its starter and says so`, async ({ page }) => {
      const errors = watchErrors(page);
      await seedStorage(page, { [c.key]: c.raw, [OTHER_KEY]: other });
      await page.goto(`/lessons/${LESSON}`);
      await waitForBadge(page);
      await expect(page.getByTestId('storage-notice')).toBeVisible();
      await expect(page.getByTestId('storage-notice')).toContainText(`speedlab:v1:quarantine:${c.key}`);
      const stored = await page.evaluate(
        ([key, otherKey]) => ({
          quarantined: localStorage.getItem(`speedlab:v1:quarantine:${key}`),
          original: localStorage.getItem(key),
          other: localStorage.getItem(otherKey)
        }),
        [c.key, OTHER_KEY] as const
      );
      expect(stored.quarantined).toBe(c.raw);
      expect(stored.original).toBeNull();
      expect(stored.other).toBe(other);

      const editor = page.getByTestId('editor');
      await expect(editor).toHaveAttribute('data-ready', 'true');
      await page.getByRole('tab', { name: 'main.ts' }).click();
      await expect(editor.locator('.view-lines')).toContainText(starterLine.trim().slice(0, 40));

      // Check and Run work: the starter fails its checks, the quick sweep fills the charts.
      await useQuickSweep(page);
      await page.getByTestId('check').click();
      await waitIdle(page);
      await expect(page.getByTestId('check-result')).toHaveAttribute('data-status', 'fail');
      await page.getByTestId('run').click();
      await waitIdle(page);
      await expect(page.getByTestId('chart-time')).not.toHaveAttribute('data-points', '0');
      expect(errors).toEqual([]);
    });
  }
});

test.describe('learner output and labels', () => {
  test.skip(() => project() !== 'wasm', 'page behaviour, the same on both backends');

  test('a flood of console output: the page answers clicks, the console stays bounded', async ({ page }) => {
    const errors = watchErrors(page);
    // One message of 3,000 short lines (more than the console keeps), one 30 MB line, then
    // 100,000 console.log calls (the run's output cap drops most of them at the source).
    await seedCode(page, 'playground', {
      'main.ts': `export async function main() {
  console.log(Array.from({ length: 3000 }, (_, i) => 'r' + i).join('\\n'));
  console.log('x'.repeat(30 * 1024 * 1024));
  for (let i = 0; i < 100000; i++) console.log('line ' + i);
}
`
    });
    await page.goto('/playground');
    await waitForBadge(page);
    await expect(page.getByTestId('editor')).toHaveAttribute('data-ready', 'true');
    // A real click, as a learner's: the input event's own timestamp against when the page handled it.
    const tab = (await page.getByRole('tab', { name: 'main.ts' }).boundingBox())!;
    await page.evaluate(() => {
      const w = window as unknown as { clickDelays: number[] };
      w.clickDelays = [];
      document.addEventListener('click', (e) => w.clickDelays.push(performance.now() - e.timeStamp), true);
    });
    await page.getByTestId('run').click();
    for (let k = 0; k < 8; k++) {
      const t0 = Date.now();
      await page.mouse.click(tab.x + tab.width / 2, tab.y + tab.height / 2);
      expect(Date.now() - t0, 'a click is answered within a second during the flood').toBeLessThan(1000);
      await page.waitForTimeout(250);
    }
    await waitIdle(page, 120_000);
    const delays = await page.evaluate(() => (window as unknown as { clickDelays: number[] }).clickDelays);
    expect(delays.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...delays)).toBeLessThan(1000);
    expect(await clickLatency(page)).toBeLessThan(1000);

    const out = page.getByTestId('console');
    await expect(page.getByTestId('console-dropped')).toBeVisible();
    expect(Number(await out.getAttribute('data-lines'))).toBeLessThanOrEqual(2000);
    // Only the lines in view are elements: a few dozen, not thousands.
    expect(await out.locator('*').count()).toBeLessThan(200);
    // Scroll through the console: no rendered line is long, and the 30 MB one says it was cut.
    const seen = await out.locator('[role=log]').evaluate(async (el) => {
      let longest = 0;
      let cutNote = false;
      for (let top = 0; top <= el.scrollHeight; top += el.clientHeight) {
        el.scrollTop = top;
        el.dispatchEvent(new Event('scroll'));
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        for (const line of el.querySelectorAll('[data-testid=console-line]')) {
          longest = Math.max(longest, line.textContent?.length ?? 0);
          cutNote ||= line.textContent?.includes('more characters not shown') ?? false;
        }
      }
      return { longest, cutNote };
    });
    expect(seen.cutNote).toBe(true);
    expect(seen.longest).toBeLessThan(1100);
    expect(errors).toEqual([]);
  });

  test('repeated plot series and sweep labels render, told apart', async ({ page }) => {
    const errors = watchErrors(page);
    await seedCode(page, 'playground', {
      'main.ts': `import { plot, sweep, tensors } from 'lab';
const sum = (x: { data: Float32Array }) => x.data.reduce((a, b) => a + b, 0);
export async function main() {
  plot({
    id: 'dup',
    title: 'same label twice',
    x: { label: 'x' },
    y: { label: 'y' },
    series: [
      { label: 'a', points: [[1, 1], [2, 2]] },
      { label: 'a', points: [[1, 2], [2, 3]] }
    ]
  });
  for (let r = 0; r < 2; r++) {
    await sweep({ label: 'same', n: [64, 128], setup: (n) => tensors.randn([n], 1), run: sum });
  }
}
`
    });
    await page.goto('/playground');
    await waitForBadge(page);
    await page.getByTestId('run').click();
    await waitIdle(page);
    await expect(page.getByTestId('chart-dup')).toHaveAttribute('data-points', '4');
    await expect(page.getByTestId('chart-dup').locator('tbody')).toContainText('a (2)');
    const rows = page.locator('[data-testid=results-table] tbody tr');
    await expect(rows).toHaveCount(4);
    expect(await rows.locator('td:first-child').allTextContents()).toEqual(['same', 'same', 'same (2)', 'same (2)']);
    // Every point is measured (a call too fast for the clock is batched until it can be) and drawn.
    await expect(page.locator('[data-testid=results-table] tbody tr[data-status=measured]')).toHaveCount(4);
    await expect(page.getByTestId('chart-time')).toHaveAttribute('data-points', '4');
    expect(errors).toEqual([]);
  });

  test('a check result goes stale when the code changes, and after Show solution and Run', async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(`/lessons/${LESSON}`);
    await waitForBadge(page);
    await useQuickSweep(page);
    const editor = page.getByTestId('editor');
    await expect(editor).toHaveAttribute('data-ready', 'true');
    const result = page.getByTestId('check-result');

    await page.getByTestId('check').click();
    await waitIdle(page);
    await expect(result).toHaveAttribute('data-status', 'fail');
    await expect(result).toHaveAttribute('data-stale', 'false');

    await page.getByRole('tab', { name: 'main.ts' }).click();
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n// an edit\n');
    await expect(result).toHaveAttribute('data-stale', 'true');
    await expect(result).toHaveAttribute('data-status', 'fail');
    await expect(page.getByTestId('check-stale')).toContainText('press Check again');

    await page.getByTestId('show-solution').click();
    await page.getByTestId('run').click();
    await waitIdle(page);
    await expect(result).toHaveAttribute('data-stale', 'true');

    await page.getByTestId('check').click();
    await waitIdle(page);
    await expect(result).toHaveAttribute('data-status', 'pass');
    await expect(result).toHaveAttribute('data-stale', 'false');
    expect(errors).toEqual([]);
  });
});

test.describe('a WGSL loop that never ends', () => {
  test.skip(() => project() !== 'webgpu', 'needs WebGPU');

  // The loop keeps SwiftShader's GPU process busy after the page let go of it, and every later
  // requestAdapter in that browser waits behind it: this test gets a browser of its own.
  test('Stop gives the page back within seconds', async ({ playwright }) => {
    const { launchOptions, baseURL } = test.info().project.use;
    const browser = await playwright.chromium.launch(launchOptions);
    const page = await browser.newPage({ baseURL });
    try {
      await stopEndlessWgsl(page);
    } finally {
      await browser.close();
    }
  });
});

async function stopEndlessWgsl(page: Page): Promise<void> {
  watchErrors(page);
  await seedCode(page, 'playground', {
    'main.ts': `import { gpu, tensors } from 'lab';
const shader = /* wgsl */ \`
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(1)
fn main() {
  loop {
    y[0] = y[0] + x[0];
    if (x[0] < -1.0) { break; }
  }
}\`;
export async function main() {
  const x = tensors.from([1], [1]);
  const y = gpu.output([1], 'y');
  await gpu.dispatch({ code: shader, bindings: [gpu.input(x, 'x'), y], workgroups: [1] });
  await gpu.read(y);
}
`
  });
  await page.goto('/playground');
  await waitForBadge(page);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('stop')).toBeEnabled();
  // Long enough for the dispatch to be on the GPU, stuck in its loop.
  await page.waitForTimeout(4000);
  await expect(page.getByTestId('run')).toBeDisabled();
  await page.getByTestId('stop').click();
  await waitIdle(page, 3000);
  await expect(page.getByTestId('status')).toContainText('Stopped');
  expect(await clickLatency(page)).toBeLessThan(1000);
  await expect(page.getByTestId('reset')).toBeEnabled();
  await expect(page.getByTestId('backend-select')).toBeEnabled();
  // The sandbox runs again (on the CPU: this browser's GPU is still busy with the loop).
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('run').click();
  await waitIdle(page, 30_000);
  await expect(page.getByTestId('status')).not.toContainText('Stopped');
}
