/**
 * A plain static server for a built SpeedLab, as any static host would serve it: files from a
 * folder, under an optional sub-path, `page` answered by `page.html` (as GitHub Pages does), and the
 * cross-origin isolation headers that give onnxruntime-web its WASM threads (leave them out with
 * --no-isolation to see what the page says without them), and long-lived caching of the hashed
 * files under _app/immutable/. Used by the tests of a sub-path build and of offline use.
 *
 * Usage: node scripts/serve.mjs [--dir build] [--base /speedlab] [--port 4300] [--no-isolation]
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const root = resolve(arg('dir', 'build'));
const base = (arg('base', '') ?? '').replace(/\/$/, '');
const port = Number(arg('port', '4300'));
const isolate = !process.argv.includes('--no-isolation');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json'
};

/** The file for a URL path inside root, or null (never a path outside root). */
function fileFor(pathname) {
  const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  const candidates = [rel, `${rel}.html`, join(rel, 'index.html')];
  for (const c of candidates) {
    const full = resolve(root, c);
    if (full !== root && !full.startsWith(root + sep)) return null;
    if (existsSync(full) && statSync(full).isFile()) return full;
  }
  return null;
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (isolate) {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  }
  if (base && url.pathname === base) {
    res.writeHead(301, { Location: `${base}/` }).end();
    return;
  }
  if (base && !url.pathname.startsWith(`${base}/`)) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: this site is served under ${base}/`);
    return;
  }
  let file;
  try {
    file = fileFor(url.pathname.slice(base.length));
  } catch {
    file = null;
  }
  if (!file) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    return;
  }
  // Hashed files never change: a browser may keep them (and so open the sandbox page offline).
  const immutable = url.pathname.includes('/_app/immutable/');
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache'
  });
  createReadStream(file).pipe(res);
}).listen(port, () => console.log(`serving ${root} at http://localhost:${port}${base}/`));
