/**
 * Vite plugin: bundles the sandbox's run worker (src/lib/runtime/sandbox/worker.ts, with the lab,
 * sucrase and every lesson's checks) and the frame's relay (sandbox/frame.ts) into one HTML
 * document (sandbox/document.ts), and exposes its URL through `virtual:sandbox-document`. The
 * build emits it as a hashed asset; the dev server serves it at a fixed path. It is a file of its
 * own, not an srcdoc, so that it has its own CSP rather than the app's.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Plugin, build } from 'vite';
import { sandboxDocument } from '../sandbox/document.ts';

const ID = 'virtual:sandbox-document';
const RESOLVED = `\0${ID}`;
const DEV_PATH = '/@speedlab/sandbox.html';
const root = fileURLToPath(new URL('../../../..', import.meta.url));

async function bundle(entry: string, name: string): Promise<string> {
  const result = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    resolve: { alias: { $lib: `${root}src/lib` } },
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      minify: true,
      emptyOutDir: false,
      lib: { entry: `${root}src/lib/runtime/sandbox/${entry}`, formats: ['iife'], name, fileName: () => `${name}.js` }
    }
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const out of outputs) {
    if ('output' in out) {
      const chunk = out.output.find((o) => o.type === 'chunk');
      if (chunk && chunk.type === 'chunk') return chunk.code;
    }
  }
  throw new Error(`sandbox bundle: the build of ${entry} produced no script`);
}

async function documentHtml(): Promise<string> {
  const [worker, frame] = await Promise.all([
    bundle('worker.ts', 'SpeedLabSandbox'),
    bundle('frame.ts', 'SpeedLabFrame')
  ]);
  return sandboxDocument(frame, worker, (text) => createHash('sha256').update(text).digest('base64'));
}

export function sandboxBundle(): Plugin {
  let cached: Promise<string> | null = null;
  let serving = false;
  return {
    name: 'speedlab:sandbox-bundle',
    configResolved(config) {
      serving = config.command === 'serve';
    },
    resolveId(id) {
      return id === ID ? RESOLVED : undefined;
    },
    async load(id, options) {
      if (id !== RESOLVED) return undefined;
      // Server rendering never starts a sandbox.
      if (options?.ssr || this.environment?.config.consumer === 'server') return `export default '';`;
      if (serving) return `export default ${JSON.stringify(DEV_PATH)};`;
      cached ??= documentHtml();
      const ref = this.emitFile({ type: 'asset', name: 'sandbox.html', source: await cached });
      return `export default import.meta.ROLLUP_FILE_URL_${ref};`;
    },
    configureServer(server) {
      server.middlewares.use(DEV_PATH, (_req, res, next) => {
        (cached ??= documentHtml()).then((html) => {
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          res.setHeader('Cache-Control', 'no-store');
          res.end(html);
        }, next);
      });
    },
    watchChange(id) {
      if (/\/(src\/lib|lessons)\//.test(id)) cached = null;
    },
    handleHotUpdate({ file }) {
      if (/\/(src\/lib|lessons)\//.test(file)) cached = null;
    }
  };
}
