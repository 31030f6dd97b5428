import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * The app's own Content-Security-Policy (a <meta> tag on every prerendered page, with the hashes
 * of SvelteKit's inline scripts). Its pages connect to nothing but their own origin. Learner code
 * runs in a sandbox frame that is a document of its own (frame-src 'self'), with its own, stricter
 * policy; onnxruntime and Monaco run in workers loaded from this origin.
 * @type {NonNullable<NonNullable<import('@sveltejs/kit').KitConfig['csp']>['directives']>}
 */
const csp = {
  'default-src': ['self'],
  'script-src': ['self'],
  // Svelte's style attributes and Monaco's and KaTeX's injected styles.
  'style-src': ['self', 'unsafe-inline'],
  'img-src': ['self', 'data:', 'blob:'],
  'font-src': ['self', 'data:'],
  'connect-src': ['self'],
  'worker-src': ['self'],
  'frame-src': ['self'],
  'object-src': ['none'],
  'base-uri': ['self'],
  'form-action': ['self']
};

/**
 * Hosting under a sub-path (GitHub Pages serves a project at /<repository>/): build with
 * BASE_PATH=/<sub-path>. Such a build goes to build-<name>/ through its own .svelte-kit folder, so it
 * can sit beside the root build (the tests build both).
 */
const base = /** @type {'' | `/${string}`} */ (process.env.BASE_PATH ?? '');
const suffix = base ? `-${base.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}` : '';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ pages: `build${suffix}`, assets: `build${suffix}`, fallback: undefined, strict: true }),
    outDir: `.svelte-kit${suffix}`,
    // Absolute paths: a page's links to itself in the other language are built from its path and the base.
    paths: { base, relative: false },
    // The service worker comes from @vite-pwa/sveltekit (vite.config.ts), registered by the page.
    serviceWorker: { register: false },
    prerender: { handleHttpError: 'fail', handleMissingId: 'fail' },
    csp: { mode: 'hash', directives: csp }
  }
};

export default config;
