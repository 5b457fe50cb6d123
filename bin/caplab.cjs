#!/usr/bin/env node
// `npx caplab` runs the TypeScript CLI directly through tsx, so a fresh clone needs no build step.
require('tsx/cjs');
require('../cli/main.ts');
