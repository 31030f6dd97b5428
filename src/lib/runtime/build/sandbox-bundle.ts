/**
 * Vite plugin: bundles the sandbox's run worker (src/lib/runtime/sandbox/worker.ts, with the lab,
 * sucrase and every lesson's checks) into one script and exposes it as a string through
 * `virtual:sandbox-worker`. The sandbox starts it from a data: URL, the only kind of worker that
 * keeps WebGPU inside an opaque-origin iframe (a blob: worker there is not a secure context).
 */
import { fileURLToPath } from 'node:url';
import { type Plugin, build } from 'vite';

const ID = 'virtual:sandbox-worker';
const RESOLVED = `\0${ID}`;
const root = fileURLToPath(new URL('../../../..', import.meta.url));

async function bundle(): Promise<string> {
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
      lib: { entry: `${root}src/lib/runtime/sandbox/worker.ts`, formats: ['iife'], name: 'SpeedLabSandbox', fileName: () => 'sandbox.js' },
      rollupOptions: { output: { inlineDynamicImports: true } }
    }
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const out of outputs) {
    if ('output' in out) {
      const chunk = out.output.find((o) => o.type === 'chunk');
      if (chunk && chunk.type === 'chunk') return chunk.code;
    }
  }
  throw new Error('sandbox bundle: the build produced no script');
}

export function sandboxBundle(): Plugin {
  let cached: Promise<string> | null = null;
  return {
    name: 'speedlab:sandbox-bundle',
    resolveId(id) {
      return id === ID ? RESOLVED : undefined;
    },
    async load(id) {
      if (id !== RESOLVED) return undefined;
      cached ??= bundle();
      return `export default ${JSON.stringify(await cached)};`;
    },
    watchChange(id) {
      if (/\/(src\/lib|lessons)\//.test(id)) cached = null;
    },
    handleHotUpdate({ file, server }) {
      if (!/\/(src\/lib|lessons)\//.test(file)) return;
      cached = null;
      const mod = server.moduleGraph.getModuleById(RESOLVED);
      if (mod) server.moduleGraph.invalidateModule(mod);
    }
  };
}
