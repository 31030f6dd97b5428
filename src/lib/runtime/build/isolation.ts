/**
 * Vite plugin: serves every response with COOP/COEP so the page is cross-origin isolated and
 * onnxruntime-web may use WASM threads. (Vite's own `server.headers` do not reach SvelteKit's
 * responses.) A static host without these headers still works, single-threaded, and the page says so.
 */
import type { Connect, Plugin } from 'vite';

const isolate: Connect.NextHandleFunction = (_req, res, next) => {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  next();
};

export function crossOriginIsolation(): Plugin {
  return {
    name: 'speedlab:cross-origin-isolation',
    configureServer(server) {
      server.middlewares.use(isolate);
    },
    configurePreviewServer(server) {
      server.middlewares.use(isolate);
    }
  };
}
