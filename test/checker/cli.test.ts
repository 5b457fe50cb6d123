import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repository = fileURLToPath(new URL('../..', import.meta.url));
const corpus = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
const corpusPresent = existsSync(`${corpus}/EXPECTED.tsv`);
if (!corpusPresent) console.log(`caplab check CLI corpus tests skipped: ${corpus} not found`);
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function caplab(...args: string[]): { status: number | null; lines: Record<string, unknown>[]; stdout: string; stderr: string } {
  const result = spawnSync('node', ['bin/caplab.cjs', 'check', ...args], { cwd: repository, encoding: 'utf8', timeout: 60_000 });
  const lines = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { status: result.status, lines, stdout: result.stdout, stderr: result.stderr };
}

describe('caplab check (ARCHITECTURE §11)', () => {
  it('a lab history.json with a stale read: exit 1 and a counterexample', () => {
    const run = caplab(fixture('stale-read.json'), '--json');
    expect(run.status).toBe(1);
    expect(run.lines).toHaveLength(1);
    const [line] = run.lines;
    expect(line).toMatchObject({ file: fixture('stale-read.json'), verdict: 'not-linearizable', model: 'kv-cas-register', operations: 3, partitions: 1 });
    expect(typeof line!.elapsedMs).toBe('number');
    expect(line!.counterexample).toMatchObject({ explanation: 'read "c1-1", but the register holds "c1-2"', blocked: { id: 2 } });
  });

  it('a bad file: exit 2, the line on stderr, no stack trace', () => {
    const run = caplab(fixture('bad-line.edn'));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/bad-line\.edn: line 3, column 2: expected '}'/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('the wrong model for a history is bad input', () => {
    const run = caplab(fixture('stale-read.json'), '--model', 'kv', '--json');
    expect(run.status).toBe(2);
    expect(run.lines[0]).toMatchObject({ error: expect.stringMatching(/model kv cannot check/) });
  });

  it.skipIf(!corpusPresent)('several files: one JSON line each, in order, exit code the worst', () => {
    const files = [`${corpus}/porcupine/jepsen/etcd_002.log`, `${corpus}/knossos/cas-register/bad/bad-analysis.edn`, `${corpus}/porcupine/kv/c10-ok.txt`];
    const run = caplab(...files, '--json');
    expect(run.lines.map((line) => [line.file, line.verdict, line.model])).toEqual([
      [files[0], 'linearizable', 'cas-register'],
      [files[1], 'not-linearizable', 'cas-register'],
      [files[2], 'linearizable', 'kv'],
    ]);
    expect(run.status).toBe(1);
  });

  it('--initial sets the register\'s initial value (Knossos histories default to 0)', () => {
    expect(caplab(fixture('read-zero.edn'), '--json').status).toBe(0);
    expect(caplab(fixture('read-zero.edn'), '--initial', '5', '--format', 'jepsen-edn', '--json').status).toBe(1);
  });

  it.skipIf(!corpusPresent)('--timeout-ms 1 makes a hard history unknown (exit 3)', () => {
    const hard = `${corpus}/porcupine/kv/c10-ok.txt`;
    const run = caplab(hard, '--model', 'kv-single-map', '--timeout-ms', '1', '--json');
    expect(run.lines[0]).toMatchObject({ verdict: 'unknown', unknownReason: 'timeout' });
    expect(run.status).toBe(3);
  });

  it('a lab trace.jsonl, with --format caplab-trace and detected: exit 1 and the read that cannot be placed', () => {
    const trace = fileURLToPath(new URL('../history/fixtures/stale-reads.trace.jsonl', import.meta.url));
    for (const format of [['--format', 'caplab-trace'], []]) {
      const run = caplab(trace, ...format, '--json');
      expect(run.status).toBe(1);
      expect(run.lines[0]).toMatchObject({ format: 'caplab-trace', verdict: 'not-linearizable', model: 'kv-cas-register', operations: 26 });
      expect(run.lines[0]!.counterexample).toMatchObject({ partition: 'k1', explanation: expect.stringMatching(/^read .*, but the register holds /) });
    }
  });

  it('a corrupt trace is bad input naming the line', () => {
    const run = caplab(fixture('stale-read.json'), '--format', 'caplab-trace');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/stale-read\.json: line 1: expected one JSON trace event per line/);
  });

  it('an unknown option or format is bad input (exit 2)', () => {
    expect(caplab(fixture('stale-read.json'), '--format', 'csv').status).toBe(2);
  });

  it('--consistency sequential: a stale read across clients holds (exit 0); a client reading back in time does not (exit 1)', () => {
    expect(caplab(fixture('stale-read.json'), '--consistency', 'sequential', '--json').lines[0]).toMatchObject({ consistency: 'sequential', verdict: 'sequential' });
    const run = caplab(fixture('read-back-in-time.json'), '--consistency', 'sequential', '--json');
    expect(run.status).toBe(1);
    expect(run.lines[0]).toMatchObject({ verdict: 'not-sequential' });
    // The terminal says it as the other models do.
    expect(caplab(fixture('stale-read.json'), '--consistency', 'sequential').stdout).toMatch(/: sequential \(per key\): holds — /);
    expect(caplab(fixture('read-back-in-time.json'), '--consistency', 'sequential').stdout).toMatch(/: sequential \(per key\): violated — /);
  });

  it('--consistency with a session guarantee names the operations that break it, and refuses histories whose values repeat', () => {
    const run = caplab(fixture('read-back-in-time.json'), '--consistency', 'monotonic-reads', '--json');
    expect(run.status).toBe(1);
    expect(run.lines[0]).toMatchObject({ verdict: 'violated', violation: { key: 'k1', operations: [1, 2] } });
    expect(caplab(fixture('stale-read.json'), '--consistency', 'read-your-writes').status).toBe(0);
  });

  it.skipIf(!corpusPresent)('a Knossos history whose values repeat cannot be judged for a session guarantee (exit 2, the reason)', () => {
    const repeated = caplab(`${corpus}/knossos/cas-register/bad/bad-analysis.edn`, '--consistency', 'monotonic-writes');
    expect(repeated.status).toBe(2);
    expect(repeated.stderr).toMatch(/written more than once/);
  });
});
