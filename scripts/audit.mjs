/**
 * The weak-machine audit: Lighthouse 12 (mobile profile: a mid-range phone's CPU, 4× slower, and a
 * slow 4G network, both simulated) over the built site's lesson pages, three runs each, and the
 * median of each number. Writes JSON and a markdown table to bench-results/. Scores are never
 * asserted in a test: they depend on the machine; quote them with it.
 * Usage: npm run audit [-- --lessons 01-attention,05-flash-attention --runs 3 --desktop --lang ko]
 */
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { chromium } from '@playwright/test';
import { executablePath, quietArgs } from './chromium.mjs';
import { startPreview } from './preview.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const port = Number(arg('port', '4320'));
const runs = Number(arg('runs', '3'));
const desktop = process.argv.includes('--desktop');
/** The pages' language: 'en' (/lessons/…) or 'ko' (/ko/lessons/…). */
const lang = arg('lang', 'en');
const lessons = arg('lessons', '').split(',').filter(Boolean);
const slugs = lessons.length
  ? lessons
  : readdirSync('lessons', { withFileTypes: true })
      .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
      .map((d) => d.name)
      .sort();

const { stop: stopServer } = await startPreview(port);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Lighthouse drives the browser over the DevTools protocol, on this port.
const debugPort = port + 1;
const browser = await chromium.launch({ executablePath, args: [...quietArgs, `--remote-debugging-port=${debugPort}`] });
const pages = [];
try {
  for (const slug of slugs) {
    const url = `http://localhost:${port}${lang === 'en' ? '' : `/${lang}`}/lessons/${slug}`;
    const samples = [];
    for (let r = 0; r < runs; r++) {
      const result = await lighthouse(
        url,
        { port: debugPort, onlyCategories: ['performance'], output: 'json', logLevel: 'error' },
        desktop ? desktopConfig : undefined
      );
      const lhr = result.lhr;
      const audit = (id) => lhr.audits[id]?.numericValue;
      samples.push({
        score: Math.round((lhr.categories.performance.score ?? 0) * 100),
        fcpMs: audit('first-contentful-paint'),
        lcpMs: audit('largest-contentful-paint'),
        tbtMs: audit('total-blocking-time'),
        ttiMs: audit('interactive'),
        cls: audit('cumulative-layout-shift'),
        bootupMs: audit('bootup-time'),
        transferBytes: audit('total-byte-weight')
      });
    }
    const row = { slug, runs: samples };
    for (const key of Object.keys(samples[0])) row[key] = median(samples.map((s) => s[key] ?? 0));
    pages.push(row);
    console.log(
      `${slug}: performance ${row.score} (runs ${samples.map((s) => s.score).join(', ')}), TBT ${Math.round(row.tbtMs)} ms`
    );
  }
} finally {
  await browser.close();
  stopServer();
}

const machine = `${os.cpus()[0]?.model ?? 'unknown'} (${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB), load average ${os
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(' ')}`;
const profile = desktop ? 'desktop' : 'mobile (simulated: 4× CPU slowdown, slow 4G)';
let md = `# SpeedLab audit: Lighthouse 12, ${profile}, pages in ${lang === 'ko' ? 'Korean' : 'English'}\n\n${new Date().toISOString()} · ${machine} · median of ${runs} runs per page\n\n`;
md +=
  '| lesson | performance | FCP ms | LCP ms | TBT ms | TTI ms | CLS | JS boot-up ms | bytes |\n|---|---|---|---|---|---|---|---|---|\n';
for (const p of pages) {
  md += `| ${p.slug} | ${p.score} | ${Math.round(p.fcpMs)} | ${Math.round(p.lcpMs)} | ${Math.round(p.tbtMs)} | ${Math.round(p.ttiMs)} | ${p.cls.toFixed(3)} | ${Math.round(p.bootupMs)} | ${Math.round(p.transferBytes).toLocaleString('en-US')} |\n`;
}
mkdirSync('bench-results', { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
writeFileSync(`bench-results/audit-${stamp}.json`, JSON.stringify({ machine, profile, runs, pages }, null, 2));
writeFileSync(`bench-results/audit-${stamp}.md`, md);
console.log(md);
console.log(`written to bench-results/audit-${stamp}.{json,md}`);
