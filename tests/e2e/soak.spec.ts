/**
 * Soak (webgpu project): lesson 01's solved kernel run SOAK_RUNS times (500 by default) in one
 * page. After every run the page reports no live GPU buffer; the page's JavaScript heap, measured
 * after a forced garbage collection, does not grow beyond noise between the early runs and the last.
 * The figures are printed for the record.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { seedCode, waitForBadge, waitIdle, watchErrors } from './helpers';

const RUNS = Number(process.env.SOAK_RUNS ?? 500);
const shader = readFileSync('lessons/01-attention/solution/attention.wgsl', 'utf8');

// Lesson 01's solution on a small N, checked against a CPU loop so that every run does real work.
const main = `import { gpu, log, tensors } from 'lab';
const shader = ${JSON.stringify(shader)};
export async function main() {
  const n = 64, d = 16;
  const q = tensors.randn([n, d], 1), k = tensors.randn([n, d], 2), v = tensors.randn([n, d], 3);
  const o = gpu.output([n, d], 'o');
  await gpu.dispatch({
    code: shader,
    bindings: [gpu.input(q, 'q'), gpu.input(k, 'k'), gpu.input(v, 'v'), gpu.scratch(n * n, 'scores'), o,
      gpu.uniform({ n: ['u32', n], d: ['u32', d], scale: ['f32', 1 / Math.sqrt(d)] }, 'params')],
    workgroups: [1]
  });
  const out = await gpu.read(o);
  log('o[0] =', out.data[0].toFixed(6));
}
`;

test(`${RUNS} runs in one page: no GPU buffer left alive, no heap growth`, async ({ page }) => {
  test.skip(test.info().project.name !== 'webgpu', 'GPU buffers exist on the webgpu project only');
  test.setTimeout(60_000 + RUNS * 2_000);
  const errors = watchErrors(page);
  await seedCode(page, 'playground', { 'main.ts': main });
  await page.goto('/playground');
  await waitForBadge(page);
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };

  const status = page.getByTestId('status');
  let early = 0;
  let first = '';
  const started = Date.now();
  for (let i = 1; i <= RUNS; i++) {
    await page.getByTestId('run').click();
    await waitIdle(page, 30_000);
    await expect(status, `run ${i}`).toHaveAttribute('data-live-gpu-buffers', '0');
    if (i === 1) first = (await page.getByTestId('console').textContent()) ?? '';
    if (i === Math.min(50, RUNS)) early = await heap();
  }
  const late = await heap();
  const perRun = (Date.now() - started) / RUNS;
  console.log(
    `soak: ${RUNS} runs, ${perRun.toFixed(0)} ms per run; live GPU buffers 0 after each; ` +
      `heap after run ${Math.min(50, RUNS)}: ${(early / 2 ** 20).toFixed(2)} MiB, after run ${RUNS}: ${(late / 2 ** 20).toFixed(2)} MiB`
  );
  // Every run computed the same thing.
  expect(first).toMatch(/o\[0\] = -?\d/);
  await expect(page.getByTestId('console')).toContainText(first.match(/o\[0\] = -?[\d.]+/)?.[0] ?? 'o[0]');
  // Noise: a few MiB of lazily compiled code and caches; a leak of one run's state would be far more.
  expect(late - early).toBeLessThan(Math.max(4 * 2 ** 20, 0.1 * early));
  expect(errors).toEqual([]);
});
