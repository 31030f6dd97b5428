import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests against the built site, in real Chromium. Playwright's own browser download is
 * not needed: CHROMIUM_PATH (or /usr/bin/chromium) is used when present, Playwright's Chromium
 * otherwise. Three projects: WebGPU on (SwiftShader in headless Chromium), WebGPU off, and `simd`
 * (WebGPU off, the learner's AssemblyScript on the simd backend: tests/e2e/simd*.spec.ts only).
 */
import { executablePath, quietArgs as common } from './scripts/chromium.mjs';
const port = Number(process.env.PORT ?? 4173);

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 180_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  // The service worker is tested on its own (offline.spec.ts allows it); elsewhere it would only
  // add its precache downloads to every test's first page.
  use: { baseURL: `http://localhost:${port}`, trace: 'off', serviceWorkers: 'block' },
  webServer: {
    command: `npx vite preview --port ${port} --strictPort`,
    url: `http://localhost:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000
  },
  projects: [
    {
      name: 'webgpu',
      // Storage does not depend on the backend: it runs once, in the wasm project.
      testIgnore: /storage\.spec\.ts|simd.*\.spec\.ts/,
      use: { launchOptions: { executablePath, args: [...common, '--enable-unsafe-webgpu'] } }
    },
    {
      name: 'wasm',
      // WGSL mutants need WebGPU: they run in the webgpu project only.
      testIgnore: /(gpu|mutants)\.spec\.ts|simd.*\.spec\.ts/,
      use: { launchOptions: { executablePath, args: [...common, '--disable-features=WebGPU,Vulkan', '--disable-gpu'] } }
    },
    {
      name: 'simd',
      testMatch: /simd.*\.spec\.ts/,
      use: { launchOptions: { executablePath, args: [...common, '--disable-features=WebGPU,Vulkan', '--disable-gpu'] } }
    }
  ]
});
