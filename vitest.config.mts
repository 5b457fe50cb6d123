import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

const require = createRequire(import.meta.url);
// `?modulePath` worker imports resolve to esbuild bundles, as electron-vite builds them for the app.
const { modulePathVitePlugin } = require('./bin/modulePath.cjs') as { modulePathVitePlugin(options: { outDir: string }): Plugin };

export default defineConfig({
  // Vue single-file components compile in tests too, so a component test can render one (server-side, no DOM).
  plugins: [vue(), modulePathVitePlugin({ outDir: resolve(import.meta.dirname, '.cache', 'vitest', 'workers') })],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/install/buildOnce.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
