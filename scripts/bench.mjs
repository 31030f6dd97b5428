/**
 * The benchmark: runs the compare page's sweep (every lesson's solution, plus onnxruntime-web's
 * own MatMul on the same backend) in headless Chromium, on WebGPU and on WASM, and writes JSON and
 * a markdown table to bench-results/. Timings are never asserted anywhere; quote them with the
 * machine they came from. Usage: npm run bench [-- --n 256,512,1024,2048,4096 --lessons a,b]
 */
import { launch } from './chromium.mjs';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const n = arg('n', '256,512,1024,2048,4096,8192,16384,32768,65536');
const lessons = arg('lessons', '');
const port = Number(arg('port', '4310'));

const server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort'], {
  stdio: 'ignore',
  detached: true
});
const stopServer = () => {
  try {
    process.kill(-server.pid);
  } catch {
    /* already gone */
  }
};
process.on('exit', stopServer);

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://localhost:${port}/`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('the preview server did not start');
}

await waitForServer();
const browser = await launch();
const results = [];
for (const backend of ['webgpu', 'wasm']) {
  const page = await browser.newPage();
  const q = new URLSearchParams({ backend, n, ...(lessons ? { lessons } : {}) });
  await page.goto(`http://localhost:${port}/compare?${q}`);
  await page.waitForFunction(
    () => document.querySelector('[data-testid=backend-badge]')?.getAttribute('data-backend') !== 'detecting'
  );
  const t0 = Date.now();
  await page.getByTestId('run').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid=run]')?.hasAttribute('disabled'), null, {
    timeout: 1_800_000
  });
  const data = JSON.parse((await page.getByTestId('compare-json').textContent()) ?? '{}');
  data.wallSeconds = (Date.now() - t0) / 1000;
  results.push(data);
  console.log(`${backend}: ${data.points.length} points in ${data.wallSeconds.toFixed(0)} s`);
  await page.close();
}
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  browser: `Chromium ${browser.version()}`,
  node: process.version
};
await browser.close();
stopServer();

const fmt = (x, d = 2) => (x === undefined || x === null ? '' : Number(x).toFixed(d));
const bytes = (b) =>
  b === undefined ? '' : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(0)} KiB`;
let md = `# SpeedLab benchmark\n\n${new Date().toISOString()} · ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB) · ${machine.os} · ${machine.browser} headless\n`;
for (const r of results) {
  md += `\n## ${r.backend} · ${r.adapter}\n\n`;
  md += r.matmul
    ? `onnxruntime-web MatMul ${r.matmul.n}×${r.matmul.n}×${r.matmul.n} on this backend: **${fmt(r.matmul.gflops, 1)} GFLOP/s** (median ${fmt(r.matmul.medianMs)} ms, timer ${r.matmul.timer}).\n\n`
    : 'onnxruntime-web MatMul: did not run on this backend.\n\n';
  md +=
    '| series | N | status | median ms | p25–p75 ms | timer | GFLOP/s | of ORT MatMul | peak bytes |\n|---|---|---|---|---|---|---|---|---|\n';
  for (const p of r.points) {
    const e = r.efficiency.find((x) => x.series === p.series && x.n === p.n);
    md += `| ${p.series} | ${p.n} | ${p.status === 'measured' ? 'measured' : `${p.status}: ${p.reason ?? ''}`} | ${fmt(p.medianMs)} | ${p.p25Ms !== undefined ? `${fmt(p.p25Ms)}–${fmt(p.p75Ms)}` : ''} | ${p.timer ?? ''} | ${e ? fmt(e.gflops) : ''} | ${e?.ratio ? `${(100 * e.ratio).toFixed(1)} %` : ''} | ${bytes(p.peakBytes)} |\n`;
  }
  if (r.errors.length) md += `\nErrors: ${r.errors.join('; ')}\n`;
}
mkdirSync('bench-results', { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
writeFileSync(`bench-results/bench-${stamp}.json`, JSON.stringify({ machine, results }, null, 2));
writeFileSync(`bench-results/bench-${stamp}.md`, md);
console.log(md);
console.log(`written to bench-results/bench-${stamp}.{json,md}`);
