/**
 * The benchmark: runs the compare page's sweep (every lesson's solution, plus onnxruntime-web's
 * own MatMul on the same backend) in headless Chromium, on WebGPU and on WASM, and writes JSON and
 * a markdown table to bench-results/. Timings are never asserted anywhere; quote them with the
 * machine they came from. It also fits each series' log–log slope and finds where the sparse
 * lessons (07, 09, 10) overtake lesson 05's FlashAttention, from the same run's medians.
 * Last, the simd backend's side-by-side with onnxruntime-web in Node, one thread (bench-simd.mjs).
 * Usage: npm run bench [-- --n 256,512,1024,2048,4096 --lessons a,b --simd-n 1024,4096,8192]
 */
import { launch } from './chromium.mjs';
import { startPreview } from './preview.mjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const n = arg('n', '256,512,1024,2048,4096,8192,16384,32768,65536');
const lessons = arg('lessons', '');
const port = Number(arg('port', '4310'));

const { stop: stopServer } = await startPreview(port);
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
md += crossoverSection(results);
// The simd backend beside onnxruntime-web, one thread, in this Node process (scripts/bench-simd.mjs).
const { benchSimd } = await import('./bench-simd.mjs');
md += `\n${await benchSimd()}`;
mkdirSync('bench-results', { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
writeFileSync(`bench-results/bench-${stamp}.json`, JSON.stringify({ machine, results }, null, 2));
writeFileSync(`bench-results/bench-${stamp}.md`, md);
console.log(md);
console.log(`written to bench-results/bench-${stamp}.{json,md}`);

/** Least-squares slope of log(ms) against log(N) over a series' measured points (three at least). */
function fittedSlope(points) {
  const pts = points.filter((p) => p.status === 'measured' && p.medianMs > 0);
  if (pts.length < 3) return undefined;
  const xs = pts.map((p) => Math.log(p.n));
  const ys = pts.map((p) => Math.log(p.medianMs));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxx = 0;
  let sxy = 0;
  xs.forEach((x, i) => {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (ys[i] - my);
  });
  return sxx > 0 ? sxy / sxx : undefined;
}

/** A lesson's main series on the compare page: its learner's code ("your …"), else its first series. */
function mainSeries(points, number) {
  const prefix = `${String(number).padStart(2, '0')} `;
  const names = [...new Set(points.map((p) => p.series).filter((s) => s.startsWith(prefix)))];
  return names.find((s) => /your/i.test(s) && !/naive/i.test(s)) ?? names[0];
}

/**
 * Where series `a` becomes faster than series `f`: between the last N at which a is slower and the
 * next, interpolated on log–log axes; or, when no measured N crosses, extrapolated from the two
 * fitted slopes (and said to be outside the measured range).
 */
function crossover(points, a, f) {
  const at = (series, n) => points.find((p) => p.series === series && p.n === n && p.status === 'measured');
  const ns = [...new Set(points.map((p) => p.n))].sort((x, y) => x - y).filter((n) => at(a, n) && at(f, n));
  if (ns.length === 0) return 'no N measured for both';
  const ratio = (n) => at(a, n).medianMs / at(f, n).medianMs;
  const ratios = ns.map((n) => `${n}: ${ratio(n).toFixed(2)}`).join(', ');
  if (ratio(ns[0]) < 1) return `already faster at the smallest common N (${ns[0]}); time ratios ${ratios}`;
  for (let i = 1; i < ns.length; i++) {
    const r0 = ratio(ns[i - 1]);
    const r1 = ratio(ns[i]);
    if (r0 >= 1 && r1 < 1) {
      const logN = Math.log(ns[i - 1]) + (Math.log(ns[i] / ns[i - 1]) * Math.log(r0)) / (Math.log(r0) - Math.log(r1));
      return `N ≈ ${Math.round(Math.exp(logN))} (between ${ns[i - 1]} and ${ns[i]}); time ratios ${ratios}`;
    }
  }
  const sa = fittedSlope(points.filter((p) => p.series === a));
  const sf = fittedSlope(points.filter((p) => p.series === f));
  const last = ns[ns.length - 1];
  if (sa !== undefined && sf !== undefined && sf > sa) {
    const n = last * ratio(last) ** (1 / (sf - sa));
    return `outside the measured range: extrapolated from the fitted slopes, N ≈ ${Math.round(n)}; time ratios ${ratios}`;
  }
  return `outside the measured range, and the fitted slopes do not predict one; time ratios ${ratios}`;
}

function crossoverSection(results) {
  let out = '\n## Fitted slopes and crossovers\n';
  for (const r of results) {
    out += `\n### ${r.backend} · ${r.adapter}\n\n| series | fitted slope of log ms vs log N |\n|---|---|\n`;
    for (const series of [...new Set(r.points.map((p) => p.series))]) {
      const s = fittedSlope(r.points.filter((p) => p.series === series));
      out += `| ${series} | ${s === undefined ? 'fewer than 3 measured points' : s.toFixed(2)} |\n`;
    }
    const flash = mainSeries(r.points, 5);
    if (!flash) continue;
    out += `\nWhere each sparse lesson overtakes \`${flash}\` (time ratio = sparse / flash, per N):\n\n`;
    for (const number of [7, 9, 10]) {
      const series = mainSeries(r.points, number);
      out += `- ${series ?? `lesson ${number}`}: ${series ? crossover(r.points, series, flash) : 'not in this run'}\n`;
    }
  }
  return out;
}
