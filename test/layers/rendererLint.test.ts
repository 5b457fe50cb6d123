// The renderer reaches the engine only through src/contract/ (ARCHITECTURE §1), and lint says so:
// these run the project's own eslint.config.mjs over imports a renderer file might make.
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** The no-restricted-imports messages for one import line in a renderer file at `file`. */
async function refusals(file: string, importLine: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${importLine}\nexport const used = [value];\n`, { filePath: resolve(root, file) });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('the renderer lint rule (issue 19)', () => {
  it('refuses src/ outside src/contract/, saying where to go instead', async () => {
    for (const specifier of ['../../src/metrics/series', '../../src/history/trace', '../src/checker/linearizability', '../../src/protocol/paxos/messages', '../../src', '../../src/contract/../checker/oracle']) {
      const messages = await refusals('renderer/stores/probe.ts', `import { value } from '${specifier}';`);
      expect(messages, specifier).toEqual([`'${specifier}' import is restricted from being used by a pattern. renderer/ imports src/ only through src/contract/ (ARCHITECTURE §1): re-export what it needs from src/contract/engine.ts.`]);
    }
  });

  it('refuses it in a single-file component and for type-only imports too', async () => {
    const [result] = await eslint.lintText(`<script setup lang="ts">\nimport type { TraceEvent } from '../../src/history/trace';\nconst events: TraceEvent[] = [];\n</script>\n<template><p>{{ events.length }}</p></template>\n`, {
      filePath: resolve(root, 'renderer/components/ProbeView.vue'),
    });
    expect((result?.messages ?? []).map((message) => message.ruleId)).toContain('no-restricted-imports');
  });

  it('lets src/contract/ through', async () => {
    for (const specifier of ['../../src/contract/engine', '../../src/contract/lab', '../src/contract/violations']) {
      expect(await refusals('renderer/stores/probe.ts', `import { value } from '${specifier}';`), specifier).toEqual([]);
    }
  });

  it('still refuses the outer layers and Node', async () => {
    for (const specifier of ['../../main/service/labService', 'node:fs', 'electron', '../../workers/replica.worker']) {
      const messages = await refusals('renderer/stores/probe.ts', `import { value } from '${specifier}';`);
      expect(messages.length, specifier).toBe(1);
    }
  });

  it('the renderer as it is imports nothing of src/ but src/contract/', async () => {
    const results = await eslint.lintFiles(['renderer']);
    const refused = results.flatMap((result) => result.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => `${result.filePath}:${message.line}`));
    expect(refused).toEqual([]);
    expect(results.length).toBeGreaterThan(40);
  });
});
