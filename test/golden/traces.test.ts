/**
 * Pinned determinism: the trace digest of a handful of presets per protocol, run in the simulator.
 * A change that alters any trace fails here. When a change means to alter traces, rerun with
 * `CAPLAB_UPDATE_GOLDEN=1 npx vitest run test/golden` and commit the new digests on their own, the
 * commit saying why each one changed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../main/experimentFile';
import { runExperiment } from '../../src/experiment/run';
import type { Experiment } from '../../src/experiment/schema';
import { validateExperiment } from '../../src/experiment/schema';
import { nativeTraceHasher } from '../../workers/runOptions';

/** A run the digests pin: a preset on a seed, optionally stopped early (as a user's stop is replayed). */
interface GoldenRun {
  readonly preset?: string;
  readonly experiment?: Experiment;
  readonly seed: number;
  readonly stoppedAtMs?: number;
}

const nemesisRaft = validateExperiment({
  name: 'golden-nemesis-raft',
  protocol: 'raft',
  durationMs: 4000,
  network: { drop: 0.05, duplicate: 0.05, reorder: 0.1 },
  nemesis: { kinds: ['partition', 'crash', 'pause', 'clock'], intervalMs: [300, 900], untilMs: 3000 },
});

const nemesisVr = validateExperiment({
  name: 'golden-nemesis-vr',
  protocol: 'vr',
  durationMs: 4000,
  network: { drop: 0.05, duplicate: 0.05, reorder: 0.1 },
  nemesis: { kinds: ['partition', 'crash', 'pause'], intervalMs: [300, 900], untilMs: 3000 },
});

const runs: Record<string, GoldenRun> = {
  'raft-healthy#1': { preset: 'raft-healthy', seed: 1 },
  'raft-leader-crash#1': { preset: 'raft-leader-crash', seed: 1 },
  'raft-partition-cp#7': { preset: 'raft-partition-cp', seed: 7 },
  'raft-partition-ap#1': { preset: 'raft-partition-ap', seed: 1 },
  'raft-cp-to-ap-switch#1': { preset: 'raft-cp-to-ap-switch', seed: 1 },
  'raft-lease-reads-drift#1': { preset: 'raft-lease-reads-drift', seed: 1 },
  'raft-nemesis-cp#13': { preset: 'raft-nemesis-cp', seed: 13 },
  'raft-unsafe-figure-8#1': { preset: 'raft-unsafe-figure-8', seed: 1 },
  'raft-slow-link#1': { preset: 'raft-slow-link', seed: 1 },
  'raft-healthy#1 stopped at 2345 ms': { preset: 'raft-healthy', seed: 1, stoppedAtMs: 2345 },
  'golden-nemesis-raft#3': { experiment: nemesisRaft, seed: 3 },
  'vr-primary-crash#1': { preset: 'vr-primary-crash', seed: 1 },
  'vr-view-change#7': { preset: 'vr-view-change', seed: 7 },
  'vr-recovery#1': { preset: 'vr-recovery', seed: 1 },
  'vr-partition-ap#1': { preset: 'vr-partition-ap', seed: 1 },
  'vr-unsafe-own-log#1': { preset: 'vr-unsafe-own-log', seed: 1 },
  'vr-f-plus-1-crashes#1': { preset: 'vr-f-plus-1-crashes', seed: 1 },
  'golden-nemesis-vr#3': { experiment: nemesisVr, seed: 3 },
  'paxos-healthy#1': { preset: 'paxos-healthy', seed: 1 },
  'paxos-leader-crash#1': { preset: 'paxos-leader-crash', seed: 1 },
  'paxos-partition-cp#7': { preset: 'paxos-partition-cp', seed: 7 },
  'paxos-dueling-backoff#1': { preset: 'paxos-dueling-backoff', seed: 1 },
  'paxos-unsafe-ignore-highest-ballot#1': { preset: 'paxos-unsafe-ignore-highest-ballot', seed: 1 },
  'paxos-nemesis-cp#13': { preset: 'paxos-nemesis-cp', seed: 13 },
};

const digestsFile = join(import.meta.dirname, 'traces.json');
const update = process.env.CAPLAB_UPDATE_GOLDEN === '1';

function digestOf(run: GoldenRun): string {
  const base = run.experiment ?? loadExperiment(run.preset ?? '');
  const experiment = { ...base, seed: run.seed, ...(run.stoppedAtMs === undefined ? {} : { stoppedAtMs: run.stoppedAtMs }) };
  return runExperiment(experiment, { hasher: nativeTraceHasher() }).summary.traceSha256;
}

describe('golden trace digests (simulator)', () => {
  const pinned = JSON.parse(readFileSync(digestsFile, 'utf8')) as Record<string, string>;

  it('pins every run and nothing else', () => {
    if (update) return;
    expect(Object.keys(pinned).sort()).toEqual(Object.keys(runs).sort());
  });

  const computed: Record<string, string> = {};
  for (const [name, run] of Object.entries(runs)) {
    it(`${name} has its pinned traceSha256`, () => {
      computed[name] = digestOf(run);
      if (!update) expect(computed[name], `${name}: the trace changed; if meant, update the digests (see the top of this file)`).toBe(pinned[name]);
    });
  }

  it.runIf(update)('writes the digests (CAPLAB_UPDATE_GOLDEN=1)', () => {
    writeFileSync(digestsFile, `${JSON.stringify(computed, Object.keys(computed).sort(), 2)}\n`);
  });
});
