#!/usr/bin/env node
// The Electronegativity gate (issue 7): scans the app's sources and fails on any HIGH or MEDIUM
// finding that security/electronegativity-justified.json does not justify. The tool's own CLI
// clashes with this project's commander version, so its runner is called directly.
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');

const root = resolve(__dirname, '..');
const runnerModule = require('@doyensec/electronegativity/dist/runner.js');
const run = runnerModule.default || runnerModule;
const justified = JSON.parse(readFileSync(resolve(root, 'security', 'electronegativity-justified.json'), 'utf8'));
const key = (issue) => `${issue.id} ${issue.file}`;

async function main() {
  const result = await run({ input: root, output: undefined, isSarif: false, customScan: [], excludeFromScan: [], isRelative: true, isVerbose: false, electronVersionOverride: '45.5.0', parserPlugins: [] }, false);
  const serious = result.issues.filter((issue) => ['HIGH', 'MEDIUM'].includes(issue.severity.name) && !String(issue.file).startsWith('node_modules'));
  const known = new Map(justified.map((entry) => [`${entry.id} ${entry.file}`, entry.why]));
  const unjustified = serious.filter((issue) => !known.has(key(issue)));
  for (const issue of serious) {
    const why = known.get(key(issue));
    process.stdout.write(`${issue.severity.name} ${issue.id} ${issue.file}:${issue.location.line} — ${why === undefined ? 'NOT JUSTIFIED' : `justified: ${why}`}\n`);
  }
  if (result.errors.length > 0) process.stdout.write(`electronegativity could not parse: ${result.errors.map((error) => error.file).join(', ')}\n`);
  process.stdout.write(`electronegativity: ${serious.length} HIGH/MEDIUM findings, ${unjustified.length} not justified\n`);
  process.exitCode = unjustified.length === 0 ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`electronegativity gate failed to run: ${error.stack}\n`);
  process.exitCode = 1;
});
