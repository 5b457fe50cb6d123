import { existsSync } from 'node:fs';

/** Debian's Chromium (never a downloaded browser): CHROMIUM_PATH, else /usr/bin/chromium. */
export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((path): path is string => typeof path === 'string' && path.length > 0);
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** Why browser tests are skipped, or null when they run. Under CI=true a missing browser is a failure, never a skip. */
export function browserSkipReason(): string | null {
  if (chromiumPath() !== null) return null;
  const how = 'no Chromium found: install Debian\'s (`apt-get install -y chromium`) or set CHROMIUM_PATH';
  if (process.env.CI === 'true') throw new Error(`CI=true needs a browser for the browser tests: ${how}`);
  return how;
}

export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
