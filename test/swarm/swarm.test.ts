import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'caplab-swarm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function caplab(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'caplab.cjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function total(stdout: string): { passed: number; failed: number; failingSeeds: number[]; safetyFailures: number; livenessFailures: number } {
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

/**
 * Each unsafe switch the swarm finds with no staged schedule, over a short window of seeds that
 * holds a failing seed of 1..100 (draw version 1; issue 18's note lists them; replyBeforePersist's
 * first failing seed, 15, fails on liveness, 26 on safety): the switch on, a safety failure; the same seeds with it off, clean. Short windows keep CI modest.
 */
const found: Array<{ protocol: string; unsafe: string; firstFailing: number }> = [
  { protocol: 'raft', unsafe: 'voteWithoutLogCheck', firstFailing: 1 },
  { protocol: 'raft', unsafe: 'replyBeforePersist', firstFailing: 26 },
  { protocol: 'vr', unsafe: 'startViewWithOwnLog', firstFailing: 3 },
];

describe('caplab swarm (issue 18)', () => {
  for (const { protocol, unsafe, firstFailing } of found) {
    it(`${protocol} --unsafe ${unsafe}: seed ${firstFailing} fails on safety; the same seeds with the switch off are clean`, () => {
      const window = ['--seeds', '3', '--first-seed', String(Math.max(1, firstFailing - 2)), '--jobs', '2', '--json'];
      const on = caplab('swarm', '--protocol', protocol, '--unsafe', unsafe, ...window);
      expect(on.code).toBe(1);
      expect(total(on.stdout).failingSeeds).toContain(firstFailing);
      expect(total(on.stdout).safetyFailures).toBeGreaterThan(0);
      expect(on.stderr).toContain(`reproduce: npx caplab swarm --protocol ${protocol} --seeds 1 --first-seed ${firstFailing} --unsafe ${unsafe}`);
      expect(on.stderr).toContain('manifest:');
      const off = caplab('swarm', '--protocol', protocol, ...window);
      expect(off.code, off.stderr).toBe(0);
      expect(total(off.stdout)).toMatchObject({ failed: 0, failingSeeds: [] });
    }, 300_000);
  }

  it('2 swarm shards merge into the unsharded report; bad input exits 2', () => {
    const out = join(scratch, 'shards');
    for (const shard of ['1/2', '2/2']) expect(caplab('swarm', '--protocol', 'vr', '--seeds', '4', '--shard', shard, '--out', out, '--json').code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['swarm-vr-shard-1-of-2.jsonl', 'swarm-vr-shard-2-of-2.jsonl']);
    expect(caplab('merge', out, '--json').stdout).toBe(caplab('swarm', '--protocol', 'vr', '--seeds', '4', '--json').stdout);
    expect(caplab('swarm', '--protocol', 'raft', '--seeds', '1', '--unsafe', 'startViewWithOwnLog').stderr).toMatch(/not a raft switch/);
    expect(caplab('swarm', '--protocol', 'zab', '--seeds', '1').code).toBe(2);
  }, 300_000);
});
