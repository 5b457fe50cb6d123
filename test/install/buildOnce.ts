import { createRequire } from 'node:module';

const require = createRequire(__filename);
const { buildIfStale } = require('../../bin/build.cjs') as { buildIfStale(options?: { quiet?: boolean }): string | null };

/**
 * vitest global setup: the tests of test/install/ (and the built-bundle check of test/contract)
 * load what `electron-vite build` makes, so it is built once, before any test file runs, when
 * it is missing or older than its sources. Never during the run: packing and loading read out/.
 */
export default function buildOnce(): void {
  const failure = buildIfStale({ quiet: true });
  if (failure !== null) throw new Error(`electron-vite build failed:\n${failure}`);
}
