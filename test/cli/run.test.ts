import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'caplab-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function caplab(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'caplab.cjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('caplab run / presets / sweep (ARCHITECTURE §11)', () => {
  it('run --json on a 5-node CP experiment with the random nemesis: 0 violations, the same traceSha256 twice', () => {
    const first = caplab('run', 'raft-nemesis-cp', '--seed', '3', '--json');
    const second = caplab('run', 'raft-nemesis-cp', '--seed', '3', '--json');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['experiment', 'protocol', 'runtime', 'seed', 'durationMs', 'ops', 'availability', 'throughputOpsPerSec', 'latencyMs', 'violations', 'invariantsBroken', 'expectations', 'traceSha256', 'messages']));
    expect(summary.violations).toEqual({ linearizability: 0, staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0, divergence: 0 });
    expect(summary.ops.ok).toBeGreaterThan(500);
    expect(JSON.parse(second.stdout).traceSha256).toBe(summary.traceSha256);
  });

  it('run --out writes the run folder, and the trace hashes to traceSha256', async () => {
    const out = join(scratch, 'run');
    const result = caplab('run', 'raft-partition-cp', '--protocol', 'vr', '--out', out, '--json');
    expect(result.code).toBe(0);
    for (const file of ['experiment.yaml', 'summary.json', 'trace.jsonl', 'history.json', 'history.edn', 'metrics.csv', 'report.html', 'bundle.zip', 'charts/throughput.svg', 'charts/throughput.png', 'charts/latency.svg', 'charts/violations.png']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    expect(report).toContain('<svg');
    expect(report).not.toMatch(/<script|src="https?:|href="https?:/); // self-contained: opens with no network
    expect(readFileSync(join(out, 'charts', 'throughput.png')).subarray(1, 4).toString()).toBe('PNG');
    // The bundle imports and replays to the same summary and trace digest.
    const imported = caplab('import', join(out, 'bundle.zip'), '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ reproduced: true, traceSha256: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).traceSha256 });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.protocol).toBe('vr');
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(readFileSync(join(out, 'trace.jsonl'))).digest('hex')).toBe(summary.traceSha256);
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history.format).toBe('caplab-history/1');
    expect(history.operations.length).toBe(summary.ops.ok + summary.ops.fail + summary.ops.info);
    // The lab's checker accepts both history files of a CP run.
    for (const file of ['history.json', 'history.edn']) {
      const checked = caplab('check', join(out, file), '--json');
      expect(checked.code).toBe(0);
      expect(JSON.parse(checked.stdout).verdict).toBe('linearizable');
    }
    // The written experiment runs again to the same trace.
    const again = caplab('run', join(out, 'experiment.yaml'), '--json');
    expect(JSON.parse(again.stdout).traceSha256).toBe(summary.traceSha256);
  });

  it('run groups broken invariants by kind, one line each, instead of printing every sentence (Figure 8 breaks 451)', () => {
    const result = caplab('run', 'raft-unsafe-figure-8');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const head = lines.findIndex((line) => line.startsWith('invariants broken: '));
    expect(lines[head]).toMatch(/^invariants broken: \d+, in 3 kinds \(unsafe switches on: commitPriorTermByCount\); every sentence is in --json$/);
    const kinds = lines.slice(head + 1, head + 4);
    expect(kinds.map((line) => line.replace(/ ×.*/, '').trim()).sort()).toEqual(['committed entries differ', 'leader completeness', 'state-machine safety']);
    expect(kinds.find((line) => line.includes('leader completeness'))).toMatch(/leader completeness ×\d+, indices 405–\d+ \(n5\): e\.g\. leader completeness: n5 leads term/);
    expect(lines[head + 4]).toMatch(/^expect /);
    expect(result.stdout.length).toBeLessThan(8000);
  });

  it('--version prints the package version and exits 0', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(caplab(flag)).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('exits 1 when an expectation fails, and says which', () => {
    const file = join(scratch, 'failing.yaml');
    writeFileSync(file, 'protocol: raft\ndurationMs: 2000\nexpect: ["availability < 0"]\n');
    const result = caplab('run', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('expect availability < 0: FAILS');
  });

  it('exits 2 with a message naming the field for a bad file', () => {
    const file = join(scratch, 'bad.yaml');
    writeFileSync(file, 'protocol: raft\nnodes: 42\n');
    const result = caplab('run', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nodes: Too big');
    expect(caplab('run', 'no-such-preset').code).toBe(2);
    expect(caplab('run', 'raft-healthy', '--seed', 'x').stderr).toContain('--seed must be a whole number');
  });

  it('import refuses a corrupt bundle with a clear message and exit 2', () => {
    const file = join(scratch, 'corrupt.zip');
    writeFileSync(file, 'this is not a zip');
    const result = caplab('import', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a caplab bundle');
  });

  it('presets --json lists every preset with its title', () => {
    const result = caplab('presets', '--json');
    expect(result.code).toBe(0);
    const presets = JSON.parse(result.stdout) as Array<{ name: string; title: string }>;
    expect(presets.map((preset) => preset.name)).toEqual(expect.arrayContaining(['raft-healthy', 'raft-partition-cp', 'raft-nemesis-cp']));
    for (const preset of presets) expect(preset.title.length).toBeGreaterThan(5);
  });

  it('sweep runs seeds in worker threads and prints failing seeds with the command that reproduces them', () => {
    const ok = caplab('sweep', 'raft-healthy', '--seeds', '3', '--jobs', '2', '--json');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n').at(-1)).toContain('"failed":0');
    const file = join(scratch, 'sweep-fail.yaml');
    writeFileSync(file, 'protocol: raft\ndurationMs: 1500\nexpect: ["ops.ok < 10"]\n');
    const failing = caplab('sweep', file, '--seeds', '2', '--first-seed', '5', '--jobs', '2');
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain(`reproduce: npx caplab run ${file} --seed 5`);
    expect(failing.stderr).toContain(`reproduce: npx caplab run ${file} --seed 6`);
  });
});
