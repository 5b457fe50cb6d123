#!/usr/bin/env node
// The browser tests (Playwright with Debian's Chromium). Without a Chromium they are skipped
// with a message saying how to get one, except under CI=true, where that is a failure.
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path && existsSync(path));
if (chromium === undefined) {
  const how = "install Debian's Chromium (`apt-get install -y chromium`) or set CHROMIUM_PATH";
  if (process.env.CI === 'true') {
    process.stderr.write(`browser tests: no Chromium found, and CI=true needs one: ${how}\n`);
    process.exit(1);
  }
  process.stdout.write(`browser tests skipped: no Chromium found; ${how}\n`);
  process.exit(0);
}
const result = spawnSync(process.execPath, [require.resolve('@playwright/test/cli'), 'test'], { stdio: 'inherit', env: { ...process.env, CHROMIUM_PATH: chromium } });
process.exit(result.status ?? 1);
