/**
 * Hostile learner code, in real Chromium: each test runs what an attacker would paste into the
 * playground (or a lesson) and asserts that it stays contained. Forged messages are sent the two
 * ways a snippet can: through the worker's own `self.postMessage`, and (to test the page's own
 * checks) from inside the sandbox frame itself. Run ids 1…10 are tried, under both protocol
 * versions, since the code cannot know which one is current.
 */
import { type Page, expect, test } from '@playwright/test';
import { readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { seedCode, waitForBadge, waitIdle } from './helpers';

/** A local HTTP listener that counts every request that reaches it. */
async function listener(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.end('not a model');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  };
}

/** Uncaught exceptions on the page, and CSP violations reported to its console. */
function watchPage(page: Page): { pageErrors: string[]; csp: string[] } {
  const pageErrors: string[] = [];
  const csp: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) csp.push(m.text());
  });
  page.on('dialog', (d) => void d.accept());
  return { pageErrors, csp };
}

async function openPlayground(page: Page, main: string, backend?: 'wasm'): Promise<void> {
  await seedCode(page, 'playground', { 'main.ts': main });
  await page.goto('/playground');
  await waitForBadge(page);
  if (backend) await page.getByTestId('backend-select').selectOption(backend);
}

async function sandboxFrame(page: Page) {
  const handle = await page.locator('[data-testid=sandbox]').elementHandle();
  const frame = await handle!.contentFrame();
  expect(frame).not.toBeNull();
  return frame!;
}

/** Milliseconds until a click on the editor's tab is handled and the page evaluates again. */
async function clickLatency(page: Page): Promise<number> {
  const t0 = Date.now();
  await page.getByRole('tab', { name: 'main.ts' }).click({ timeout: 10_000 });
  await page.evaluate(() => 1);
  return Date.now() - t0;
}

/** The learner code that forges `message(v, runId)` on the worker's public channel. */
const forge = (message: string) => `
for (const v of [1, 2]) for (let runId = 1; runId <= 10; runId++) {
  (self as unknown as Worker).postMessage(${message});
}`;

test('a URL given as an onnx model makes no request, from learner code or from the frame', async ({
  page,
  baseURL
}) => {
  const { pageErrors } = watchPage(page);
  const server = await listener();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const targets = [`${server.url}/model`, `${baseURL}/model`];
  const code = `import { log, onnx } from 'lab';
const targets = ${JSON.stringify(targets)};
export async function main() {
  for (const url of targets) {
    try {
      await onnx.run({ inputs: [], outputs: [], serialize: () => url + '-lab.onnx' } as never, {});
      log('lab: ran');
    } catch (e) {
      log('lab: refused', (e as Error).message);
    }
  }
  for (const url of targets) {${forge(
    `{ v, type: 'ort-run', runId, callId: runId, model: url + '-posted.onnx', feeds: {}, ep: 'wasm' }`
  )}
  }
  log('forged');
  await new Promise((resolve) => setTimeout(resolve, 4000));
}
`;
  await openPlayground(page, code);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console')).toContainText('forged');
  // The frame is compromised in this part: it asks the page itself to run a URL.
  const frame = await sandboxFrame(page);
  await frame.evaluate((urls) => {
    for (const v of [1, 2])
      for (let runId = 1; runId <= 10; runId++)
        for (const url of urls)
          parent.postMessage(
            {
              v,
              type: 'ort-run',
              runId,
              callId: runId * 1_000_000 + 999,
              model: `${url}-frame.onnx`,
              feeds: {},
              ep: 'wasm'
            },
            '*'
          );
  }, targets);
  await waitIdle(page, 30_000);
  // Give anything that was let through time to reach the network.
  await page.waitForTimeout(2000);
  await expect(page.getByTestId('console')).not.toContainText('lab: ran');
  expect(server.hits).toEqual([]);
  expect(requests.filter((u) => /-(lab|posted|frame)\.onnx/.test(u))).toEqual([]);
  expect(pageErrors).toEqual([]);
  await server.close();
});

test('the app page itself cannot connect anywhere but its own origin (CSP)', async ({ page }) => {
  const { pageErrors } = watchPage(page);
  const server = await listener();
  await page.goto('/playground');
  const policy = await page.locator('meta[http-equiv="content-security-policy"]').getAttribute('content');
  expect(policy).toContain("connect-src 'self'");
  const outcome = await page.evaluate(async (url) => {
    try {
      await fetch(url, { mode: 'no-cors' });
      return 'fetched';
    } catch {
      return 'blocked';
    }
  }, `${server.url}/page`);
  expect(outcome).toBe('blocked');
  expect(server.hits).toEqual([]);
  expect(pageErrors).toEqual([]);
  await server.close();
});

test('a stopped onnx.run never delivers its result to the next run', async ({ page }) => {
  test.setTimeout(170_000);
  const { pageErrors } = watchPage(page);
  // Each run sends a quick graph and a slow one at once; both echo a random stamp of the run.
  // The first run is stopped inside its slow graph; the second run's slow answer must carry its
  // own stamp (call ids restarting at 1 once handed it the first run's).
  const code = `import { log, onnx, tensors } from 'lab';
export async function main() {
  const stamp = Math.floor(Math.random() * 1_000_000);
  const small = onnx.graph();
  const x = small.input('x', [1]);
  small.output(small.add(x, small.constant(0)));
  const n = 1024;
  const big = onnx.graph();
  const a = big.input('a', [n, n]);
  const s = big.input('s', [1]);
  let y = a;
  for (let i = 0; i < 80; i++) y = big.matmul(y, a);
  big.output(y);
  big.output(big.add(s, big.constant(0)));
  const quick = onnx.run(small, { x: tensors.from([1], [stamp]) });
  const slow = onnx.run(big, { a: tensors.randn([n, n], 1), s: tensors.from([1], [stamp]) });
  log('quick: ' + (Object.values(await quick)[0].data[0] === stamp ? 'own' : 'foreign'));
  const echoed = Object.values(await slow).find((t) => t.data.length === 1)!.data[0];
  log('slow: ' + (echoed === stamp ? 'own' : 'foreign'));
}
`;
  await openPlayground(page, code, 'wasm');
  await page.getByTestId('run').click();
  // The quick graph is answered: onnxruntime is now inside the slow one.
  await expect(page.getByTestId('console')).toContainText('quick: own', { timeout: 60_000 });
  await page.waitForTimeout(1000);
  await expect(page.getByTestId('console'), 'the slow graph must still be running').not.toContainText('slow:');
  await page.getByTestId('stop').click();
  await waitIdle(page, 5000);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console')).toContainText(/slow: (own|foreign)/, { timeout: 120_000 });
  await expect(page.getByTestId('console')).toContainText('quick: own');
  await expect(page.getByTestId('console')).toContainText('slow: own');
  await waitIdle(page, 10_000);
  expect(pageErrors).toEqual([]);
});

test('a forged done neither ends the run nor disarms the watchdog', async ({ page }) => {
  test.setTimeout(150_000);
  const { pageErrors } = watchPage(page);
  const code = `import { log } from 'lab';
export async function main() {${forge(`{ v, type: 'done', runId, ok: true, leakedGpuBuffers: 0, liveGpuBuffers: 0 }`)}
  log('forged done sent');
  const t0 = Date.now();
  while (Date.now() - t0 < 150_000) {}
}
`;
  await openPlayground(page, code);
  const t0 = Date.now();
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console')).toContainText('forged done sent');
  await page.waitForTimeout(3000);
  await expect(page.getByTestId('stop'), 'the run is still going').toBeEnabled();
  // The playground's time budget is 60 s: the watchdog ends the run then.
  await waitIdle(page, 90_000);
  expect(Date.now() - t0).toBeGreaterThan(55_000);
  await expect(page.getByTestId('status')).toContainText('time budget');
  expect(pageErrors).toEqual([]);
});

test('the run worker is ended after every run: a timer it leaves behind stops', async ({ page }) => {
  const { pageErrors, csp } = watchPage(page);
  const live = new Set<string>();
  let started = 0;
  page.on('worker', (w) => {
    if (!w.url().startsWith('data:')) return;
    const key = `${++started}`;
    live.add(key);
    w.on('close', () => live.delete(key));
  });
  const code = `import { log } from 'lab';
export async function main() {
  let i = 0;
  setInterval(() => {
    log('tick ' + ++i);
    const t = Date.now();
    while (Date.now() - t < 20) {}
  }, 50);
  await new Promise((resolve) => setTimeout(resolve, 300));
}
`;
  await openPlayground(page, code);
  for (let run = 1; run <= 2; run++) {
    await page.getByTestId('run').click();
    await waitIdle(page, 20_000);
    expect(started).toBe(run);
    await expect.poll(() => live.size, { timeout: 3000 }).toBe(0);
    const ticks = await page.getByTestId('console').textContent();
    await page.waitForTimeout(1000);
    expect(await page.getByTestId('console').textContent()).toBe(ticks);
  }
  expect(pageErrors).toEqual([]);
  expect(csp).toEqual([]);
});

test('forged check results are not recorded and do not pass a lesson', async ({ page }) => {
  const { pageErrors } = watchPage(page);
  const slug = '01-attention';
  const dir = join('lessons', slug, 'starter');
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) files[name] = readFileSync(join(dir, name), 'utf8');
  files['main.ts'] += forge(
    `{ v, type: 'check', runId, result: { id: 'forged-' + v + '-' + runId, title: 'Forged check', status: 'pass', message: 'forged' } }`
  );
  files['main.ts'] += forge(`{ v, type: 'done', runId, ok: true, leakedGpuBuffers: 0, liveGpuBuffers: 0 }`);
  await seedCode(page, slug, files);
  await page.goto(`/lessons/${slug}`);
  await waitForBadge(page);
  await page.getByTestId('check').click();
  await waitIdle(page);
  const result = page.getByTestId('check-result');
  await expect(result).toHaveAttribute('data-status', 'fail');
  await expect(result).not.toContainText('Forged check');
  expect(pageErrors).toEqual([]);
});

/** The longest log text the page's window has received from the sandbox so far. */
async function watchLogTexts(page: Page): Promise<() => Promise<number>> {
  await page.addInitScript(() => {
    const w = window as unknown as { longestLogText: number };
    w.longestLogText = 0;
    addEventListener('message', (e) => {
      const text = (e.data as { text?: unknown } | null)?.text;
      if (typeof text === 'string') w.longestLogText = Math.max(w.longestLogText, text.length);
    });
  });
  return () => page.evaluate(() => (window as unknown as { longestLogText: number }).longestLogText);
}

/** Click latencies sampled while a run floods its output. */
/**
 * A page that keeps answering: most clicks within 1 s and none stalled for seconds. A flood that
 * blocked the page would hold every click for many seconds; one slow click while the run starts
 * (the sandbox's worker and the editor's loading share two cores here) is machine noise.
 */
function expectResponsive(clicks: number[]): void {
  const sorted = [...clicks].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  expect(median, `click latencies ${clicks.join(', ')} ms`).toBeLessThan(1000);
  expect(Math.max(...clicks), `click latencies ${clicks.join(', ')} ms`).toBeLessThan(2500);
}

async function latencies(page: Page): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 6; i++) {
    out.push(await clickLatency(page));
    await page.waitForTimeout(200);
  }
  return out;
}

test('a 30 MB lab.log leaves the page answering clicks, and is cut with a note', async ({ page }) => {
  const { pageErrors } = watchPage(page);
  const longest = await watchLogTexts(page);
  const code = `import { log } from 'lab';
export async function main() {
  const big = 'x'.repeat(30_000_000);
  for (let i = 0; i < 4; i++) log(big);
  await new Promise((resolve) => setTimeout(resolve, 2500));
}
`;
  await openPlayground(page, code);
  await page.getByTestId('run').click();
  const clicks = await latencies(page);
  await waitIdle(page, 30_000);
  expectResponsive(clicks);
  // What reached the page was cut at the source, with a note of how much.
  expect(await longest()).toBeGreaterThan(1000);
  expect(await longest()).toBeLessThanOrEqual(10_000);
  await expect(page.getByTestId('console')).toContainText(/more characters/);
  expect(pageErrors).toEqual([]);
});

test('100,000 console.log calls leave the page answering clicks; the rest are counted', async ({ page }) => {
  const { pageErrors } = watchPage(page);
  const code = `export async function main() {
  for (let i = 0; i < 100_000; i++) console.log('line', i);
  await new Promise((resolve) => setTimeout(resolve, 2500));
}
`;
  await openPlayground(page, code);
  await page.getByTestId('run').click();
  const clicks = await latencies(page);
  await waitIdle(page, 30_000);
  expectResponsive(clicks);
  const console = page.getByTestId('console');
  await expect(console).toContainText('99,000 more log lines were dropped');
  await expect(console).not.toContainText('line 99999');
  expect(pageErrors).toEqual([]);
});

test('a flood of self.postMessage is refused, ends the run, and the page keeps answering', async ({ page }) => {
  const { pageErrors } = watchPage(page);
  const code = `export async function main() {
  for (let i = 0; i < 200_000; i++)
    (self as unknown as Worker).postMessage({ v: 1 + (i % 2), type: 'log', runId: 1 + (i % 10), level: 'log', text: 'flood ' + i });
  await new Promise((resolve) => setTimeout(resolve, 2500));
}
`;
  await openPlayground(page, code);
  await page.getByTestId('run').click();
  const clicks = await latencies(page);
  await waitIdle(page, 30_000);
  expectResponsive(clicks);
  await expect(page.getByTestId('errors')).toContainText('refused');
  await expect(page.getByTestId('errors')).toContainText('the run was ended');
  await expect(page.getByText(/flood \d+/)).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});

/** Malformed messages of every kind a page handler might trip on. */
const malformed = (v: number, runId: number): unknown[] => [
  { v, type: 'surprise', runId },
  { v, type: 'error', runId, error: null },
  { v, type: 'plot', runId, plot: { id: 1, title: null, x: 'n', series: 'none' } },
  {
    v,
    type: 'plot',
    runId,
    plot: { id: 'p', title: 'p', x: { label: 'n' }, y: { label: 'y' }, series: [{ label: 's', points: 'no' }] }
  },
  { v, type: 'log', runId, level: 'log', text: { toString: null } },
  { v, type: 'started', runId, device: null },
  { v, type: 'check', runId, result: null }
];

test('unknown types, a null error and malformed plots never throw on the page', async ({ page }) => {
  const { pageErrors, csp } = watchPage(page);
  const all = [1, 2].flatMap((v) => Array.from({ length: 5 }, (_, i) => malformed(v, i + 1)).flat());
  const code = `import { log } from 'lab';
export async function main() {
  for (const m of ${JSON.stringify(all)}) (self as unknown as Worker).postMessage(m);
  log('forged from the worker');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  log('still running');
}
`;
  await openPlayground(page, code);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console')).toContainText('forged from the worker');
  // The same messages, posted by a compromised frame straight to the page.
  const frame = await sandboxFrame(page);
  await frame.evaluate((list) => {
    for (const m of list) parent.postMessage(m, '*');
  }, all);
  await waitIdle(page, 30_000);
  await expect(page.getByTestId('console')).toContainText('still running');
  await expect(page.getByTestId('errors')).toContainText('refused');
  expect(pageErrors).toEqual([]);
  expect(csp).toEqual([]);
});
