import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

const require = createRequire(import.meta.url);
// `?modulePath` worker imports resolve to esbuild bundles, as electron-vite builds them for the app.
const { modulePathVitePlugin } = require('./bin/modulePath.cjs') as { modulePathVitePlugin(options: { outDir: string }): Plugin };

/**
 * Tests that run against the wall clock: live replicas on worker threads, the installed package,
 * child processes and sockets. They run after the rest, one file at a time, so no other test file
 * competes with them for the cores; everything else is pure computation and runs one file per core
 * (vitest's default leaves a core idle: on a 2-core CI machine it would run one file at a time).
 */
const wallClock = [
  'test/threads/**/*.test.ts',
  'test/install/**/*.test.ts',
  'test/service/threadsSession.test.ts',
  'test/adversarial/contract.test.ts',
  'test/adversarial/server.test.ts',
  'test/adversarial/websocket.test.ts',
  'test/adversarial/websocketFlood.test.ts',
  'test/contract/browserMode.test.ts',
  'test/adversarial/runfolder.test.ts',
  'test/swarm/shard.test.ts',
];

export default defineConfig({
  // Vue single-file components compile in tests too, so a component test can render one (server-side, no DOM).
  plugins: [vue(), modulePathVitePlugin({ outDir: resolve(import.meta.dirname, '.cache', 'vitest', 'workers') })],
  test: {
    globalSetup: ['test/install/buildOnce.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'engine', include: ['test/**/*.test.ts'], exclude: wallClock, maxWorkers: availableParallelism(), sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'wall-clock', include: wallClock, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
