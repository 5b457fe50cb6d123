import { createRequire } from 'node:module';

const require = createRequire(__filename);
const { buildIfStale } = require('../../bin/build.cjs') as { buildIfStale(options?: { quiet?: boolean }): string | null };

/**
 * Playwright global setup: the browser tests drive the built renderer that `caplab serve` serves
 * (and the installed copy packs), so build it (`electron-vite build`) when it is missing or older
 * than its sources.
 */
export default function buildRenderer(): void {
  const failure = buildIfStale();
  if (failure !== null) throw new Error(`e2e: electron-vite build failed: ${failure}`);
}
