import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      // Node 20 is the oldest Node the packed CLI (cli.js) runs on; Electron's own Node is newer.
      target: 'node20',
      rollupOptions: {
        input: {
          // The desktop app's main process.
          index: resolve(__dirname, 'main/electron/index.ts'),
          // The `caplab` command of an installed copy (bin/caplab.cjs runs it): the same lab
          // service and the same worker bundles as the app, in plain Node.
          cli: resolve(__dirname, 'cli/main.ts'),
        },
        // Worker entries (main/lab/workerEntry.ts) are bundled with this config too; the checker
        // worker's default export is piscina's handler beside named helpers.
        output: { exports: 'named' },
      },
    },
  },
  preload: {
    build: { rollupOptions: { input: { index: resolve(__dirname, 'preload/index.ts') } } },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [vue()],
    build: { minify: true, rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } } },
  },
});
