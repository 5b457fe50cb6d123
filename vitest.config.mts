import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);
// `?modulePath` worker imports resolve to esbuild bundles, as electron-vite builds them for the app.
const { modulePathVitePlugin } = require('./bin/modulePath.cjs') as { modulePathVitePlugin(options: { outDir: string }): Plugin };

export default defineConfig({
  plugins: [modulePathVitePlugin({ outDir: resolve(import.meta.dirname, '.cache', 'vitest', 'workers') })],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/install/buildOnce.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
