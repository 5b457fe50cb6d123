import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseShard, shardSeeds } from '../../cli/shard';

const root = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'caplab-shard-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const bin = join(root, 'bin', 'caplab.cjs');

function caplab(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the commands as processes at once, as a batch engine's tasks would. */
function caplabAtOnce(runs: string[][]): Promise<Array<{ code: number | null; stdout: string }>> {
  return Promise.all(
    runs.map(
      (args) =>
        new Promise<{ code: number | null; stdout: string }>((done) => {
          const child = spawn(process.execPath, [bin, ...args], { cwd: root });
          let stdout = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          child.on('close', (code) => done({ code, stdout }));
        }),
    ),
  );
}

describe('shards (ARCHITECTURE §14)', () => {
  it('splits a range into contiguous, even blocks that cover it once', () => {
    const blocks = [1, 2, 3, 4].map((index) => shardSeeds(10, 10, { index, count: 4 }));
    expect(blocks).toEqual([
      { first: 10, count: 2 },
      { first: 12, count: 3 },
      { first: 15, count: 2 },
      { first: 17, count: 3 },
    ]);
  });

  it('--shard auto reads Kubernetes Indexed Jobs, Slurm arrays, or CAPLAB_SHARD_*, and names what is missing', () => {
    expect(parseShard('auto', { JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '40' })).toEqual({ index: 1, count: 40 });
    expect(parseShard('auto', { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 3, count: 4 });
    expect(parseShard('auto', { CAPLAB_SHARD_INDEX: '2', CAPLAB_SHARD_COUNT: '2' })).toEqual({ index: 2, count: 2 });
    expect(parseShard('3/8', {})).toEqual({ index: 3, count: 8 });
    expect(() => parseShard('auto', {})).toThrow(/no batch engine's task index is set/);
    expect(() => parseShard('auto', { JOB_COMPLETION_INDEX: '3' })).toThrow(/JOB_COMPLETIONS is not/);
    expect(() => parseShard('auto', { JOB_COMPLETION_INDEX: '4', JOB_COMPLETIONS: '4' })).toThrow(/shard 5 of 4 does not exist/);
    expect(() => parseShard('0/4', {})).toThrow(/--shard I must be a whole number ≥ 1/);
    expect(() => parseShard('2-4', {})).toThrow(/--shard must be I\/N/);
  });

  it('4 shard processes merged print the unsharded run byte for byte, failing seeds and all; mismatched shards are refused with exit 2', async () => {
    const file = join(scratch, 'short.yaml');
    // Seeds whose first election comes late fail the expectation: a mix of passing and failing seeds.
    writeFileSync(file, 'name: short\nprotocol: raft\nnodes: 3\ndurationMs: 1500\nworkload: { clients: 2, ratePerSec: 50 }\nexpect: ["ops.ok > 48"]\n');
    const out = join(scratch, 'shards');
    const shards = await caplabAtOnce([1, 2, 3, 4].map((index) => ['sweep', file, '--seeds', '10', '--first-seed', '3', '--jobs', '1', '--shard', `${index}/4`, '--out', out, '--json']));
    for (const shard of shards) expect(shard.code === 0 || shard.code === 1).toBe(true);
    expect(readdirSync(out).sort()).toEqual([1, 2, 3, 4].map((index) => `sweep-short-shard-${index}-of-4.jsonl`));
    const whole = caplab('sweep', file, '--seeds', '10', '--first-seed', '3', '--jobs', '2', '--json');
    const merged = caplab('merge', out, '--json');
    expect(merged.stdout).toBe(whole.stdout);
    expect(merged.stderr).toBe(whole.stderr);
    expect(merged.code).toBe(whole.code);
    const total = JSON.parse(whole.stdout.trim().split('\n').at(-1) as string);
    expect(total.passed + total.failed).toBe(10);
    // The human report too.
    const wholeText = caplab('sweep', file, '--seeds', '10', '--first-seed', '3', '--jobs', '2');
    const mergedText = caplab('merge', ...[1, 2, 3, 4].map((index) => join(out, `sweep-short-shard-${index}-of-4.jsonl`)));
    expect(mergedText.stdout).toBe(wholeText.stdout);
    expect(mergedText.stderr).toBe(wholeText.stderr);

    // A shard of another experiment.
    const other = join(scratch, 'other.yaml');
    writeFileSync(other, readFileSync(file, 'utf8').replace('nodes: 3', 'nodes: 5'));
    const foreign = join(scratch, 'foreign');
    expect(caplab('sweep', other, '--seeds', '10', '--first-seed', '3', '--shard', '2/4', '--out', foreign).code).toBeLessThan(2);
    const mixed = caplab('merge', join(out, 'sweep-short-shard-1-of-4.jsonl'), ...readdirSync(foreign).map((name) => join(foreign, name)));
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/are of different experiments/);
    // Overlapping seeds: the same shard twice.
    const twice = caplab('merge', out, join(out, 'sweep-short-shard-3-of-4.jsonl'));
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/seed 8 is in both .*shard-3-of-4\.jsonl and .*shard-3-of-4\.jsonl \(overlapping shards\)/);
    // Missing seeds.
    const partial = caplab('merge', join(out, 'sweep-short-shard-1-of-4.jsonl'), join(out, 'sweep-short-shard-4-of-4.jsonl'));
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/seeds 5\.\.9 are in no file of the range 3\.\.12 \(shards 2\/4, 3\/4 not given\)/);
    // Another version, and a file cut short.
    const versioned = join(scratch, 'versioned.jsonl');
    const rows = readFileSync(join(out, 'sweep-short-shard-2-of-4.jsonl'), 'utf8').split('\n');
    writeFileSync(versioned, [rows[0]?.replace('"caplabVersion":"', '"caplabVersion":"9.'), ...rows.slice(1)].join('\n'));
    const version = caplab('merge', join(out, 'sweep-short-shard-1-of-4.jsonl'), versioned);
    expect(version.code).toBe(2);
    expect(version.stderr).toMatch(/were written by different caplab versions/);
    writeFileSync(versioned, rows.slice(0, 2).join('\n'));
    const cut = caplab('merge', versioned);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/ends before its last line: the shard did not finish/);
  }, 180_000);
});
