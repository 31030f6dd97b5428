/**
 * Every lesson's WebGPU mutants, on a real WebGPU device (the webgpu project only). The WASM
 * mutants run in Node (tests/lessons.test.ts); WGSL needs a browser. One page per lesson loads the
 * built sandbox document (the same hashed file the app uses) in an opaque-origin iframe and posts
 * it run requests exactly as the app's host does, without the editor or any button: first the
 * solution, which must pass every check, then each mutant, which must fail a check whose message
 * contains the mutant's `expect` text.
 */
import { type Page, expect, test } from '@playwright/test';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { createServer } from 'vite';
import { createEngine } from '../../src/lib/runtime/ort/engine';
import { type CheckResult, PROTOCOL_VERSION } from '../../src/lib/runtime/protocol';

// A check may build an ONNX graph on WebGPU too (lessons 12 and 16 run their chunked form as a
// graph): where the app's host brokers onnx.run to onnxruntime-web's WebGPU provider, this test
// runs the graph with onnxruntime-web in Node, on its WASM provider (Node has no WebGPU). What a
// mutant gets wrong is in its WGSL or its TypeScript, which still run on the page's GPU; the
// lesson pages' own test (lessons.spec.ts) runs the graphs on the WebGPU provider.
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const engine = createEngine(ort);
type Wire = { shape: number[]; data: string };
const fromBase64 = (b64: string) => {
  const bytes = Buffer.from(b64, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};
async function ortRun(model: string, feeds: Record<string, Wire>): Promise<Record<string, Wire>> {
  const tensors = Object.fromEntries(
    Object.entries(feeds).map(([name, t]) => [
      name,
      { shape: t.shape, data: new Float32Array(fromBase64(t.data).slice().buffer) }
    ])
  );
  const { outputs } = await engine.run(fromBase64(model), tensors, 'wasm');
  return Object.fromEntries(
    Object.entries(outputs).map(([name, t]) => [
      name,
      { shape: t.shape, data: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') }
    ])
  );
}

interface LessonCase {
  slug: string;
  runtimes: string[];
  solution: Record<string, string>;
  mutants: { name: string; mistake: string; expect: string; files: Record<string, string> }[];
}

/** The lessons as the app sees them, loaded with Vite (the loader gathers files with import.meta.glob). */
async function loadLessons(): Promise<LessonCase[]> {
  const server = await createServer({
    configFile: false,
    root: process.cwd(),
    logLevel: 'error',
    appType: 'custom',
    resolve: { alias: { $lib: path.resolve('src/lib') } },
    server: { middlewareMode: true, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] }
  });
  try {
    const { lessons } = (await server.ssrLoadModule(
      '/src/lib/lessons/loader.ts'
    )) as typeof import('../../src/lib/lessons/loader');
    return lessons().map((l) => ({
      slug: l.slug,
      runtimes: l.meta.runtimes,
      solution: l.solution,
      mutants: l.mutants
        .filter((m) => (m.backends ?? l.meta.runtimes).includes('webgpu'))
        .map((m) => ({ name: m.name, mistake: m.mistake, expect: m.expect, files: m.files }))
    }));
  } finally {
    await server.close();
  }
}

/** The sandbox document the build emitted (build/_app/immutable/assets/sandbox.<hash>.html). */
function sandboxPath(): string {
  const dir = 'build/_app/immutable/assets';
  const found = readdirSync(dir).filter((f) => /^sandbox\.[\w-]+\.html$/.test(f));
  if (found.length !== 1)
    throw new Error(`expected one sandbox document in ${dir}, found ${found.length}: build first`);
  return `/_app/immutable/assets/${found[0]}`;
}

interface Outcome {
  results: CheckResult[];
  errors: string[];
}

/** Boot the sandbox frame in the page and install `window.__runCheck(runId, lesson, files)`. */
async function bootSandbox(page: Page, src: string): Promise<void> {
  await page.exposeFunction('__ortRun', ortRun);
  await page.goto('/');
  await page.evaluate(
    async ([url, v]) => {
      const frame = document.createElement('iframe');
      frame.setAttribute('sandbox', 'allow-scripts');
      frame.style.display = 'none';
      const ready = new Promise<void>((resolve) => {
        addEventListener('message', function onReady(e) {
          if (e.source === frame.contentWindow && e.data?.type === 'ready') {
            removeEventListener('message', onReady);
            resolve();
          }
        });
      });
      frame.src = url;
      document.body.appendChild(frame);
      await ready;
      const w = window as unknown as Record<string, unknown>;
      w.__runCheck = (runId: number, lesson: string, files: Record<string, string>) =>
        new Promise((resolve) => {
          const out = { results: [] as unknown[], errors: [] as string[] };
          const timer = setTimeout(() => {
            frame.contentWindow?.postMessage({ v, type: 'stop', runId }, '*');
            out.errors.push('the run did not finish within 150 s');
            finish();
          }, 150_000);
          function finish() {
            clearTimeout(timer);
            removeEventListener('message', onMessage);
            resolve(out);
          }
          function onMessage(e: MessageEvent) {
            const m = e.data;
            if (e.source !== frame.contentWindow || m?.runId !== runId) return;
            if (m.type === 'check') out.results.push(m.result);
            else if (m.type === 'error') out.errors.push(m.error.message);
            else if (m.type === 'ort-run') broker(m);
            else if (m.type === 'done') finish();
          }
          addEventListener('message', onMessage);
          // onnx.run, answered as the app's host answers it (the graph runs in Node, see ortRun).
          function broker(m: {
            callId: number;
            model: Uint8Array;
            feeds: Record<string, { shape: number[]; data: Float32Array }>;
            ep: string;
          }) {
            const b64 = (u8: Uint8Array) => {
              let text = '';
              for (let i = 0; i < u8.length; i += 0x8000) text += String.fromCharCode(...u8.subarray(i, i + 0x8000));
              return btoa(text);
            };
            const bytes = (f: Float32Array) => new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
            const feeds = Object.fromEntries(
              Object.entries(m.feeds).map(([name, t]) => [name, { shape: t.shape, data: b64(bytes(t.data)) }])
            );
            const run = (
              w as { __ortRun: (...a: unknown[]) => Promise<Record<string, { shape: number[]; data: string }>> }
            ).__ortRun;
            run(b64(m.model), feeds).then(
              (outputs) => {
                const decoded = Object.fromEntries(
                  Object.entries(outputs).map(([name, t]) => {
                    const raw = atob(t.data);
                    const u8 = new Uint8Array(raw.length);
                    for (let i = 0; i < raw.length; i++) u8[i] = raw.charCodeAt(i);
                    return [name, { shape: t.shape, data: new Float32Array(u8.buffer) }];
                  })
                );
                frame.contentWindow?.postMessage(
                  { v, type: 'ort-result', runId, callId: m.callId, outputs: decoded, ms: 0 },
                  '*'
                );
              },
              (err: unknown) =>
                frame.contentWindow?.postMessage(
                  { v, type: 'ort-error', runId, callId: m.callId, message: String(err) },
                  '*'
                )
            );
          }
          frame.contentWindow?.postMessage(
            {
              v,
              type: 'run',
              runId,
              request: {
                lesson,
                files,
                mode: 'check',
                backend: 'webgpu',
                sweep: { n: [16, 32], warmup: 0, repeats: 1, budgetMs: 60_000 },
                wasmBudgetBytes: 1 << 30
              }
            },
            '*'
          );
        });
    },
    [src, PROTOCOL_VERSION] as const
  );
}

const runCheck = (page: Page, runId: number, lesson: string, files: Record<string, string>) =>
  page.evaluate(
    ([id, slug, f]) =>
      (window as unknown as { __runCheck: (...a: unknown[]) => Promise<Outcome> }).__runCheck(id, slug, f),
    [runId, lesson, files] as const
  );

const summary = (o: Outcome) =>
  [...o.results.map((r) => `${r.status} ${r.id}: ${r.message}`), ...o.errors.map((e) => `error: ${e}`)].join('\n');

test.describe('WebGPU mutants', () => {
  let lessons: LessonCase[] = [];
  let src = '';
  test.beforeAll(async () => {
    lessons = await loadLessons();
    src = sandboxPath();
  });

  // The names are read from disk so that the test list exists before beforeAll loads the lessons.
  const slugs = readdirSync('lessons', { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
    .map((d) => d.name)
    .sort();

  for (const slug of slugs) {
    test(`${slug}: the solution passes and every WebGPU mutant fails, naming its mistake`, async ({ page }) => {
      const lesson = lessons.find((l) => l.slug === slug);
      expect(lesson, `${slug} did not load`).toBeDefined();
      if (!lesson || !lesson.runtimes.includes('webgpu')) return;
      test.setTimeout(60_000 + 160_000 * (lesson.mutants.length + 1));
      await bootSandbox(page, src);

      let runId = 1;
      const solved = await runCheck(page, runId++, slug, lesson.solution);
      expect(solved.results.length, summary(solved)).toBeGreaterThan(0);
      expect(
        solved.results.filter((r) => r.status === 'fail'),
        `the solution must pass on WebGPU:\n${summary(solved)}`
      ).toEqual([]);
      expect(solved.errors, summary(solved)).toEqual([]);
      expect(solved.results.some((r) => r.status === 'pass')).toBe(true);

      const wrong: string[] = [];
      for (const mutant of lesson.mutants) {
        const o = await runCheck(page, runId++, slug, mutant.files);
        const failed = o.results.filter((r) => r.status === 'fail');
        const said = failed.map((r) => r.message).join('\n');
        if (failed.length === 0) wrong.push(`${mutant.name} (${mutant.mistake}): every check passed\n${summary(o)}`);
        else if (!said.includes(mutant.expect)) {
          wrong.push(`${mutant.name}: no failing check says "${mutant.expect}"\n${summary(o)}`);
        }
      }
      expect(wrong, wrong.join('\n\n')).toEqual([]);
    });
  }
});
