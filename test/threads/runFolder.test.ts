// `caplab run … --runtime threads --out DIR` (ARCHITECTURE §9, §11): a live run writes the same run
// folder as a simulator run, its trace streamed to trace.jsonl and hashing to the summary's digest.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'caplab-threads-out-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const experimentYaml = `name: threads-folder
protocol: vr
durationMs: 2500
workload: { clients: 4, ratePerSec: 150 }
faults:
  - { atMs: 1200, crash: n5 }
expect:
  - violations.linearizability == 0
`;

describe('caplab run --runtime threads --out DIR', () => {
  it('writes experiment.yaml, summary.json, trace.jsonl, histories, metrics, charts, report and bundle', () => {
    const file = join(scratch, 'experiment.yaml');
    writeFileSync(file, experimentYaml);
    const out = join(scratch, 'run');
    const result = spawnSync(process.execPath, [join(root, 'bin', 'caplab.cjs'), 'run', file, '--runtime', 'threads', '--time-scale', '4', '--out', out], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('live (worker threads)');
    expect(result.stdout).toMatch(/cluster invariants sampled: checked \d+ times/);
    const files = ['experiment.yaml', 'summary.json', 'trace.jsonl', 'history.json', 'history.edn', 'metrics.csv', 'report.html', 'charts/throughput.svg', 'charts/throughput.png', 'charts/latency.svg', 'charts/leader.png'];
    for (const name of [...files, 'bundle.zip']) expect(existsSync(join(out, name)), name).toBe(true);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.runtime).toBe('threads');
    expect(summary.invariantsBroken).toEqual([]);
    expect(summary.clusterInvariants.checked).toBe('sampled');
    expect(summary.clusterInvariants.checkCount).toBeGreaterThan(2);
    const trace = readFileSync(join(out, 'trace.jsonl'));
    expect(createHash('sha256').update(trace).digest('hex')).toBe(summary.traceSha256);
    const lines = trace.toString().split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line));
    expect(lines[0].kind).toBe('header');
    expect(lines.some((event) => event.kind === 'node' && event.action === 'crash' && event.node === 'n5')).toBe(true);
    expect(lines.at(-1).kind).toBe('end');

    // The history holds every operation the summary counts, in both formats.
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history.operations.length).toBe(summary.ops.ok + summary.ops.fail + summary.ops.info);
    expect(summary.ops.ok).toBeGreaterThan(50);
    expect(readFileSync(join(out, 'history.edn'), 'utf8')).toContain(':invoke');
    expect(readFileSync(join(out, 'metrics.csv'), 'utf8').split('\n').length).toBeGreaterThan(5);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');

    // The bundle holds the same files, byte for byte.
    const bundle = unzipSync(new Uint8Array(readFileSync(join(out, 'bundle.zip'))));
    for (const name of files) expect(bundle[name], name).toBeDefined();
    expect(strFromU8(bundle['summary.json'] as Uint8Array)).toBe(readFileSync(join(out, 'summary.json'), 'utf8'));
  }, 60_000);
});
