#!/usr/bin/env node
// `npm run bench [-- NAME...]`: runs every benchmark in bench/, or the named ones, from a bundle
// (see bundle.cjs): the figures are those of the code the CLI runs, without tsx's per-module getters.
require('./bundle.cjs').runBundled('bench/main.ts', 'bench');
