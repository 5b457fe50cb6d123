#!/usr/bin/env node
// `caplab`: the command line (ARCHITECTURE §11).
//
// In a clone (the sources are here) it runs cli/main.ts from an esbuild bundle kept in .cache/,
// built on demand and rebuilt when a source changes, so `npx caplab` works right after
// `npm install` with no build step (`caplab serve` builds the interface it serves when that is
// missing or stale). An installed copy has no sources: it runs the CLI that
// `npm run build` made (out/main/cli.js), with the lab service and the workers beside it.
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const built = path.join(root, 'out', 'main', 'cli.js');

function fail(message) {
  process.stderr.write(`caplab: ${message}\n`);
  process.exit(2);
}

async function main() {
  if (existsSync(path.join(root, 'cli', 'main.ts')) && process.env.CAPLAB_RUN_BUILT !== '1') {
    // `caplab serve` serves the built interface (out/renderer): build it first when it is stale.
    if (process.argv[2] === 'serve') {
      const failure = require('./build.cjs').buildIfStale({ quiet: true });
      if (failure !== null) fail(`the interface could not be built:\n${failure}`);
    }
    if (await require('./bundle.cjs').runBundled('cli/main.ts', 'caplab')) return;
    // A clone installed without its devDependencies (npm install --omit=dev) has no esbuild.
    if (!existsSync(built)) fail('this clone has neither esbuild (run `npm install`) nor a built CLI (run `npm run build`)');
  }
  if (!existsSync(built)) fail(`this copy of caplab is incomplete: ${path.relative(process.cwd(), built) || built} is missing; reinstall it`);
  require(built);
}

main().catch((error) => fail(`could not start: ${error instanceof Error ? error.message : String(error)}`));
