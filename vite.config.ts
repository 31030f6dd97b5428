import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { crossOriginIsolation } from './src/lib/runtime/build/isolation.ts';
import { sandboxBundle } from './src/lib/runtime/build/sandbox-bundle.ts';

export default defineConfig({
  plugins: [crossOriginIsolation(), sandboxBundle(), sveltekit()],
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000
  }
});
