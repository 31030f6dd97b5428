/**
 * Measures a lesson page against a running preview (npm start):
 *  - the JavaScript it loads before the editor: the modulepreload set of the prerendered HTML,
 *    gzip-compressed here with zlib (level 9, as a static host would serve it);
 *  - time to first contentful paint (the prerendered prose), median of 5 warm loads;
 *  - how long the lesson's default sweep takes with the solution, on WebGPU and on WASM.
 * Usage: node scripts/measure-page.mjs [slug] [baseUrl]
 */
import { launch } from './chromium.mjs';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const slug = process.argv[2] ?? '01-attention';
const base = process.argv[3] ?? 'http://localhost:4173';

const html = readFileSync(`build/lessons/${slug}.html`, 'utf8');
const preloads = [...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*>/g)].map(
  (m) => /href="([^"]+)"/.exec(m[0])?.[1] ?? ''
);
const entry = [...html.matchAll(/import\("([^"]+)"\)/g)].map((m) => m[1]);
const files = [...new Set([...preloads, ...entry])].map((p) => `build/${p.replace(/^(\.\.\/)+|^\//, '')}`);
let gz = 0;
let raw = 0;
for (const f of files) {
  const b = readFileSync(f);
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
}
console.log(
  `JS before the editor: ${files.length} files, ${(raw / 1024).toFixed(0)} KB raw, ${(gz / 1024).toFixed(1)} KB gzip`
);

const browser = await launch();
const page = await browser.newPage();
page.on('dialog', (d) => d.accept());
await page.goto(`${base}/lessons/${slug}`);
const fcp = [];
for (let i = 0; i < 5; i++) {
  // A fresh navigation each time (cache warm): when does the prerendered prose first paint?
  await page.goto('about:blank');
  await page.goto(`${base}/lessons/${slug}`, { waitUntil: 'load' });
  await page.waitForTimeout(200);
  fcp.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
}
fcp.sort((a, b) => a - b);
console.log(
  `first contentful paint (prose), warm: median ${fcp[2].toFixed(0)} ms (of ${fcp.map((x) => x.toFixed(0)).join(', ')})`
);

await page.waitForSelector('[data-testid=editor][data-ready=true]');
await page.getByTestId('show-solution').click();
for (const backend of ['webgpu', 'wasm']) {
  await page.selectOption('[data-testid=backend-select]', backend);
  const t0 = Date.now();
  await page.getByTestId('run').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid=run]')?.hasAttribute('disabled'), null, {
    timeout: 300_000
  });
  const status = await page.getByTestId('status').textContent();
  const measured = await page.locator('[data-testid=results-table] tbody tr[data-status=measured]').count();
  console.log(
    `default sweep on ${backend}: ${((Date.now() - t0) / 1000).toFixed(1)} s wall (${status?.trim()}); ${measured} points measured`
  );
}
await browser.close();
