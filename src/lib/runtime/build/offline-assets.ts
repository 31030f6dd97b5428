/**
 * Vite plugin: after the client build, lists the large files that the service worker does not
 * precache (onnxruntime-web's WASM, the editor's TypeScript worker, the editor's largest chunks, the
 * sandbox document) with their sizes, in `_app/offline-assets.json`. "Make available offline" reads
 * it to say how much it will download, then fetches them all at once. The precache limit lives
 * here so that the service worker's configuration (vite.config.ts) and this list agree.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';

/** Files above this are cached at first use (or by "Make available offline"), not on the first visit. */
export const PRECACHE_LIMIT_BYTES = 1024 * 1024;

/** Files that the site never loads: Monaco's workers for languages it does not use, and fonts older than woff2. */
export const NEVER_LOADED = ['**/workers/{css,html,json}.worker-*.js', '**/*.{ttf,woff}'];
const NEVER_LOADED_RE = [/\/workers\/(css|html|json)\.worker-[^/]+\.js$/, /\.(ttf|woff)$/];

export interface OfflineAsset {
  /** Relative to the site's root (its base path). */
  url: string;
  bytes: number;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]
  );
}

export function largeAssets(clientDir: string): OfflineAsset[] {
  return walk(join(clientDir, '_app', 'immutable'))
    .map((file) => ({ url: relative(clientDir, file).split(sep).join('/'), bytes: statSync(file).size }))
    .filter(
      (a) =>
        !NEVER_LOADED_RE.some((re) => re.test(`/${a.url}`)) &&
        (a.bytes > PRECACHE_LIMIT_BYTES || a.url.endsWith('.html'))
    )
    .sort((a, b) => b.bytes - a.bytes);
}

export function offlineAssets(): Plugin {
  return {
    name: 'speedlab:offline-assets',
    apply: 'build',
    writeBundle: {
      sequential: true,
      order: 'post',
      handler(options) {
        if (this.environment?.config.consumer !== 'client' || !options.dir) return;
        writeFileSync(join(options.dir, '_app', 'offline-assets.json'), JSON.stringify(largeAssets(options.dir)));
      }
    }
  };
}
