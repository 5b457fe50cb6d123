#!/usr/bin/env node
// `npm run bench [-- NAME...]`: runs every benchmark in bench/, or the named ones.
require('tsx/cjs');
require('../bench/main.ts');
