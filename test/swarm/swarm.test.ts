import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../../main/experimentFile';
import { runSwarmExperiment } from '../../src/swarm/judge';
import { swarmRunOptions } from '../../workers/runOptions';

const root = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'caplab-swarm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function caplab(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'caplab.cjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 3_600_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function total(stdout: string): { passed: number; failed: number; failingSeeds: number[]; safetyFailures: number; livenessFailures: number } {
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

/**
 * Each unsafe switch the swarm finds with no staged schedule (draw version 4): the first failing
 * seed of 1..100, found by `caplab swarm --unsafe NAME --seeds 100`. Version 4's scenario seeds
 * (src/swarm/draw.ts, `drawScenario`) added raft commitPriorTermByCount (Figure 8, leader-churn
 * alone) and vr leaseWithoutClockBound (with a longer safety phase for VR, first at 27), and with a raft lease scenario's own knobs (a wider timeout
 * spread, a bound in the top twentieth, no pre-vote, random routing) raft leaseWithoutClockBound
 * at seed 92. They redrew raft seed 1 (voteWithoutLogCheck still fails there) and seed 81, where
 * version 3 found raft replyBeforePersist; the durability scenario (`power-loss` alone with a
 * 5-10 ms disk write, an eighth of Raft's seeds without another scenario) finds it at 12, 60 and
 * 83 of 1-100, and changes no seed above.
 * CI runs each seed with the switch on (a safety failure) and off (clean), and a few seeds of each
 * protocol with every switch off; CAPLAB_LONG_SWARM=1 runs the 100 seeds.
 */
const found: Array<{ protocol: string; unsafe: string; firstFailing: number }> = [
  { protocol: 'raft', unsafe: 'commitPriorTermByCount', firstFailing: 2 },
  { protocol: 'raft', unsafe: 'voteWithoutLogCheck', firstFailing: 1 },
  { protocol: 'raft', unsafe: 'replyBeforePersist', firstFailing: 12 },
  { protocol: 'raft', unsafe: 'leaseWithoutClockBound', firstFailing: 92 },
  { protocol: 'vr', unsafe: 'startViewWithOwnLog', firstFailing: 2 },
  { protocol: 'vr', unsafe: 'leaseWithoutClockBound', firstFailing: 27 },
  { protocol: 'paxos', unsafe: 'ignoreHighestBallot', firstFailing: 1 },
  { protocol: 'paxos', unsafe: 'acceptWithoutPromiseCheck', firstFailing: 1 },
  { protocol: 'paxos', unsafe: 'nonIntersectingQuorums', firstFailing: 3 },
  { protocol: 'paxos', unsafe: 'acceptorForgetsPromise', firstFailing: 6 },
];

describe('caplab swarm (issue 18)', () => {
  for (const { protocol, unsafe, firstFailing } of found) {
    it(`${protocol} --unsafe ${unsafe}: seed ${firstFailing} fails on safety; with the switch off it is clean`, () => {
      const seed = ['--seeds', '1', '--first-seed', String(firstFailing), '--jobs', '1', '--json'];
      const on = caplab('swarm', '--protocol', protocol, '--unsafe', unsafe, ...seed);
      expect(on.code).toBe(1);
      expect(total(on.stdout)).toMatchObject({ failingSeeds: [firstFailing], safetyFailures: 1 });
      expect(on.stderr).toContain(`reproduce: npx caplab swarm --protocol ${protocol} --seeds 1 --first-seed ${firstFailing} --unsafe ${unsafe}`);
      expect(on.stderr).toContain('manifest:');
      const off = caplab('swarm', '--protocol', protocol, ...seed);
      expect(off.code, off.stderr).toBe(0);
      expect(total(off.stdout)).toMatchObject({ failed: 0, failingSeeds: [] });
    }, 300_000);
  }

  for (const protocol of ['raft', 'vr', 'paxos']) {
    it(`${protocol} with every switch off: seeds 1..3 are clean`, () => {
      const off = caplab('swarm', '--protocol', protocol, '--seeds', '3', '--jobs', '2', '--json');
      expect(off.code, off.stderr).toBe(0);
      expect(total(off.stdout)).toMatchObject({ passed: 3, failed: 0 });
    }, 300_000);
  }

  // Paxos seed 39 (every switch off): a power loss took from all four acceptors a slot they had
  // accepted in memory but not yet synced, so acknowledged to nobody; the cluster check still
  // counted it chosen and called the next leader's proposal for that slot a safety failure. A
  // vote a restart no longer holds was never an acceptance: the check forgets it.
  it('paxos seed 39, a power loss before any acceptor synced a slot, is clean: an unsynced acceptance is no vote', () => {
    const off = caplab('swarm', '--protocol', 'paxos', '--seeds', '1', '--first-seed', '39', '--jobs', '1', '--json');
    expect(off.code, off.stderr).toBe(0);
    expect(total(off.stdout)).toMatchObject({ passed: 1, failed: 0 });
  }, 300_000);

  // Paxos seed 7 under draw version 3 (every switch off) stopped committing for good: the leader
  // resent P2a for its 64 open slots every heartbeat, an isolated acceptor wrote each resent pvalue
  // to disk again, and everything it sent after (its P1a, the P2b with its higher promise) queued
  // behind thousands of writes; the leader also ignored a higher-ballot P2b for a slot already
  // chosen. An acceptor now answers a pvalue it holds without a second write, and any higher-ballot
  // P2b preempts (PMMC). Version 4 redrew seed 7 into a leader-churn scenario, so the version 3
  // experiment is kept as a fixture (its knobs, kinds as version 3 drew them) and judged here as the
  // swarm judges a seed, with its liveness bound (8459 ms).
  it('paxos seed 7 as draw version 3 drew it (an acceptor flooded with resent P2a) stays safe and converges', () => {
    const experiment = parseExperiment(readFileSync(join(__dirname, 'fixtures', 'paxos-seed-7-v3.yaml'), 'utf8'), 'paxos-seed-7-v3.yaml');
    const { result, verdict } = runSwarmExperiment(experiment, { convergedByMs: 8459 }, swarmRunOptions());
    expect(verdict).toEqual({ passed: true, failure: null, safety: [], liveness: [] });
    expect(result.operations.filter((operation) => operation.call >= 8459 * 1000 && operation.output.type === 'ok').length).toBeGreaterThan(0);
  }, 300_000);

  it.skipIf(process.env.CAPLAB_LONG_SWARM !== '1')('every switch: 100 seeds find a failing one; the same 100 with every switch off are clean (opt-in: CAPLAB_LONG_SWARM=1)', () => {
    const hundred = ['--seeds', '100', '--jobs', '2', '--json'];
    for (const { protocol, unsafe } of found) expect(total(caplab('swarm', '--protocol', protocol, '--unsafe', unsafe, ...hundred).stdout).safetyFailures, `${protocol} ${unsafe}`).toBeGreaterThan(0);
    for (const protocol of new Set(found.map((entry) => entry.protocol))) expect(total(caplab('swarm', '--protocol', protocol, ...hundred).stdout)).toMatchObject({ failed: 0 });
  }, 7_200_000);

  it('2 swarm shards merge into the unsharded report; bad input exits 2', () => {
    const out = join(scratch, 'shards');
    for (const shard of ['1/2', '2/2']) expect(caplab('swarm', '--protocol', 'vr', '--seeds', '4', '--shard', shard, '--out', out, '--json').code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['swarm-vr-shard-1-of-2.jsonl', 'swarm-vr-shard-2-of-2.jsonl']);
    expect(caplab('merge', out, '--json').stdout).toBe(caplab('swarm', '--protocol', 'vr', '--seeds', '4', '--json').stdout);
    expect(caplab('swarm', '--protocol', 'raft', '--seeds', '1', '--unsafe', 'startViewWithOwnLog').stderr).toMatch(/not a raft switch/);
    expect(caplab('swarm', '--protocol', 'zab', '--seeds', '1').code).toBe(2);
  }, 300_000);
});
