#!/usr/bin/env node
// `npx caplab`: the TypeScript CLI, run from an esbuild bundle kept in .cache/ (built on demand,
// rebuilt when a source changes), or through tsx when no bundle can be built. No build step.
require('./bundle.cjs').runBundled('cli/main.ts', 'caplab');
