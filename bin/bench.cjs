#!/usr/bin/env node
// `npm run bench [-- NAME...]`: runs every benchmark in bench/, or the named ones, from a bundle
// (see bundle.cjs): the figures are those of the code the CLI runs, workers bundled as the app's.
require('./bundle.cjs')
  .runBundled('bench/main.ts', 'bench')
  .then((ran) => {
    if (!ran) {
      process.stderr.write('bench: esbuild is not installed; run `npm install`\n');
      process.exitCode = 2;
    }
  })
  .catch((error) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
