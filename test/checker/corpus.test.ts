import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { checkParsedHistory } from '../../src/checker/checkHistory';
import { readHistory } from '../../src/history/formats/index';

// The shared corpus lives beside the repository (../shared/corpus from its root); it is not
// copied into the project.
const corpusFolder = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
const corpusPresent = existsSync(`${corpusFolder}/EXPECTED.tsv`);
if (!corpusPresent) console.log(`checker corpus tests skipped: ${corpusFolder}/EXPECTED.tsv not found`);

const rows = corpusPresent
  ? readFileSync(`${corpusFolder}/EXPECTED.tsv`, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t') as [string, string, string])
  : [];

/** The EXPECTED.tsv model column, as a model choice. */
function modelFor(column: string): { model?: 'kv-single-map' | 'kv' | 'cas-register'; initial?: number | null } {
  if (column.includes('single map')) return { model: 'kv-single-map' };
  if (column.startsWith('kv-get-put-append')) return { model: 'kv' };
  if (column === 'etcd-cas-register') return { model: 'cas-register', initial: null };
  if (column === 'cas-register initial 0') return { model: 'cas-register', initial: 0 };
  throw new Error(`EXPECTED.tsv names a model this test does not know: ${column}`);
}

describe.skipIf(!corpusPresent)('the shared corpus: every EXPECTED.tsv row', () => {
  it('has rows', () => {
    expect(rows.length).toBeGreaterThan(100);
  });
  it.each(rows)('%s (%s) is %s', (file, model, expected) => {
    const history = readHistory(readFileSync(`${corpusFolder}/${file}`, 'utf8'), 'auto', file);
    const result = checkParsedHistory(history, modelFor(model), { now: () => performance.now(), timeoutMs: 60_000 });
    expect(result.verdict).toBe(expected);
    if (expected === 'not-linearizable') {
      expect(result.counterexample).toBeDefined();
      expect(result.counterexample!.blocked).not.toBeNull();
      expect(result.counterexample!.explanation.length).toBeGreaterThan(0);
    }
  });
});
