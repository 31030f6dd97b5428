import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vitest/config';
import { crossOriginIsolation } from './src/lib/runtime/build/isolation.ts';
import { NEVER_LOADED, PRECACHE_LIMIT_BYTES, offlineAssets } from './src/lib/runtime/build/offline-assets.ts';
import { sandboxBundle } from './src/lib/runtime/build/sandbox-bundle.ts';
import svelteConfig from './svelte.config.js';

/**
 * Offline use: a Workbox service worker (vite-plugin-pwa) precaches the pages, the app's code, the
 * lesson files (inside the pages and the sandbox bundle) and KaTeX's fonts on the first visit. Files
 * over PRECACHE_LIMIT_BYTES are cached the first time they are used, or all at once by "Make
 * available offline". A new version waits for the learner to accept it ("update available").
 */
const siteRoot = `${svelteConfig.kit?.paths?.base ?? ''}/`;
const pwa = SvelteKitPWA({
  registerType: 'prompt',
  // Absolute, so that a page deep in the site registers the one worker at the site's root.
  base: siteRoot,
  scope: siteRoot,
  // The large files are left out of the precache on purpose (see offline-assets.ts): list, don't fail.
  showMaximumFileSizeToCacheInBytesWarning: true,
  injectRegister: false,
  kit: { outDir: svelteConfig.kit?.outDir, includeVersionFile: true },
  manifest: {
    name: 'SpeedLab: why efficient LLM architectures are fast',
    short_name: 'SpeedLab',
    description: 'Lessons on efficient LLM architectures, with code you run and measure in the browser.',
    theme_color: '#0072B2',
    background_color: '#ffffff',
    display: 'standalone',
    icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }]
  },
  workbox: {
    globPatterns: ['client/**/*.{js,css,svg,woff2,webmanifest,json}', 'prerendered/**/*.{html,json}'],
    globIgnores: NEVER_LOADED,
    maximumFileSizeToCacheInBytes: PRECACHE_LIMIT_BYTES,
    cleanupOutdatedCaches: true,
    runtimeCaching: [
      {
        // Hashed, never-changing files too large to precache: kept once fetched.
        urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.includes('/_app/immutable/'),
        handler: 'CacheFirst',
        options: { cacheName: 'speedlab-large-assets', expiration: { maxEntries: 64 } }
      }
    ]
  }
});

export default defineConfig({
  plugins: [crossOriginIsolation(), sandboxBundle(), sveltekit(), offlineAssets(), pwa],
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000
  }
});
