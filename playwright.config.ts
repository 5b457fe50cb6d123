import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './test/e2e/chromium';

// Browser tests drive Debian's Chromium against `caplab serve` (never a downloaded browser).
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.e2e.ts',
  outputDir: 'test-results',
  globalSetup: './test/e2e/buildRenderer.ts',
  timeout: 120_000,
  workers: 1,
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1280, height: 800 },
    launchOptions: { executablePath: chromiumPath() ?? undefined, args: chromiumArgs },
    screenshot: 'only-on-failure',
  },
});
