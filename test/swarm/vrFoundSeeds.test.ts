import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');

function caplab(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'caplab.cjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function total(stdout: string): { passed: number; failed: number; failingSeeds: number[] } {
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

/**
 * VR seeds the swarm found failing with every switch off (issue 18), under draw version 3; none
 * is a scenario seed, so version 4 draws them the same. Each bug is also pinned as a test that
 * does not depend on the draw (test/vr/paper.test.ts §5.2, test/vr/catchUp.test.ts). If the draw
 * changes, these seeds draw other experiments and this list says nothing: re-find the seeds or
 * drop them.
 */
const fixed: Array<{ seed: number; bug: string }> = [
  { seed: 97, bug: 'every NewState started another GetState chain (runaway)' },
  { seed: 260, bug: 'one entry per NewState: a lagging backup never caught up (liveness)' },
  { seed: 586, bug: 'a replica that dropped its uncommitted ops offered only its prefix in the next view change (safety)' },
];

describe('caplab swarm vr: seeds that failed with every switch off now pass (drawn alike by versions 3 and 4)', () => {
  for (const { seed, bug } of fixed) {
    it(`seed ${seed}: ${bug}`, () => {
      const run = caplab('swarm', '--protocol', 'vr', '--seeds', '1', '--first-seed', String(seed), '--jobs', '1', '--json');
      expect(run.code, run.stderr).toBe(0);
      expect(total(run.stdout)).toMatchObject({ passed: 1, failed: 0, failingSeeds: [] });
    }, 300_000);
  }
});
