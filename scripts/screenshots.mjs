/**
 * Screenshots of the main pages against a running preview (npm start): the course map, lesson 01
 * after Check and Run with the solution, and the playground after a run. Used for the README and
 * to look at what a change did.  Usage: node scripts/screenshots.mjs [outDir] [baseUrl]
 */
import { launch } from './chromium.mjs';
import { mkdirSync } from 'node:fs';

const out = process.argv[2] ?? 'docs';
const base = process.argv[3] ?? 'http://localhost:4173';
mkdirSync(out, { recursive: true });
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
page.on('dialog', (d) => d.accept());
const idle = () =>
  page.waitForFunction(() => !document.querySelector('[data-testid=run]')?.hasAttribute('disabled'), null, {
    timeout: 180_000
  });

await page.goto(`${base}/`);
await page.screenshot({ path: `${out}/course.png`, fullPage: true });

await page.goto(`${base}/lessons/01-attention`);
await page.waitForSelector('[data-testid=editor][data-ready=true]');
await page.getByTestId('show-solution').click();
await page.getByTestId('check').click();
await idle();
await page.getByTestId('run').click();
await idle();
await page.screenshot({ path: `${out}/lesson-01.png`, fullPage: false });
await page.screenshot({ path: `${out}/lesson-01-full.png`, fullPage: true });

await page.goto(`${base}/playground`);
await page.waitForSelector('[data-testid=editor][data-ready=true]');
await page.getByTestId('run').click();
await idle();
await page.screenshot({ path: `${out}/playground.png`, fullPage: true });
await browser.close();
console.log(`screenshots in ${out}/`);
