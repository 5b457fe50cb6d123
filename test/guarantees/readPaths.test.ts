import { describe, expect, it } from 'vitest';
import { checkLabHistory } from '../../src/checker/labHistory';
import { runExperiment } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import type { ConsistencyPolicy } from '../../src/kv/command';
import { protocolNames, type ProtocolName } from '../../src/protocol/replica';

/**
 * The shared read paths (protocol/sessionReads.ts) on every protocol, under a leader crash and a
 * partition of the new leader: each keeps its guarantee, and the next-stronger model breaks.
 */

const seeds = [1, 2];
const linearizability = (operations: Parameters<typeof checkLabHistory>[0]) => checkLabHistory(operations, { now: () => performance.now(), timeoutMsPerKey: 20_000 });

const crashThenPartition = [{ atMs: 800, crash: 'leader' }, { atMs: 1600, partition: 'isolate-leader' }, { atMs: 2800, heal: true }, { atMs: 2900, restart: 'all' }];
/** The leader cut off while it still acknowledges w:1 writes: they are rolled back at the heal. */
const isolateLeader = [{ atMs: 1000, partition: 'isolate-leader' }, { atMs: 2000, heal: true }];

function faulty(protocol: ProtocolName, consistency: ConsistencyPolicy, seed: number, faults: readonly object[] = crashThenPartition) {
  const experiment = validateExperiment({
    protocol,
    seed,
    nodes: 5,
    durationMs: 4000,
    consistency,
    workload: { clients: 8, ratePerSec: 300, mix: { read: 0.6, write: 0.4, cas: 0 }, keys: 2, routing: 'random' },
    faults,
  });
  return runExperiment(experiment, { linearizability });
}

/** Ok reads that returned the value of an acknowledged write the cluster later lost (a rolled-back w:1 write). */
function dirtyReads(result: ReturnType<typeof faulty>): number {
  const lostValues = new Set<string>();
  const byId = new Map(result.operations.map((operation) => [operation.id, operation]));
  for (const violation of result.violations) {
    if (violation.kind !== 'lostWrite') continue;
    const input = byId.get(violation.operations[0] ?? -1)?.input;
    if (input?.f === 'write') lostValues.add(input.value);
  }
  return result.operations.filter((operation) => operation.input.f === 'read' && operation.output.type === 'ok' && lostValues.has(operation.output.value ?? '')).length;
}

describe.each(protocolNames)('%s: the leader path applies a w:1 write when it acknowledges it (MongoDB readConcern local on the primary)', (protocol) => {
  it('so its reads can return a write later rolled back, which majority reads never do', { timeout: 300_000 }, () => {
    const leader = seeds.map((seed) => faulty(protocol, { write: 'leader', read: 'leader' }, seed, isolateLeader));
    expect(leader.reduce((total, result) => total + dirtyReads(result), 0)).toBeGreaterThan(0);
  });

  it('and a healthy w:1 client reads its own writes on the leader', () => {
    // Before VR and Paxos overlaid their acknowledged w:1 writes (vr/reads.ts primaryValue, paxos/reads.ts leaderValue), this broke on both.
    const experiment = validateExperiment({ protocol, seed: 1, durationMs: 2000, consistency: { write: 'leader', read: 'leader' }, workload: { clients: 4, ratePerSec: 200, keys: 2, routing: 'leader-hint' } });
    const summary = runExperiment(experiment).summary;
    expect(summary.models.readYourWrites.status).toBe('holds');
    expect(summary.invariantsBroken).toEqual([]);
  });
});

describe.each(protocolNames)('%s: shared read paths under a leader crash and a partition', (protocol) => {
  it('session reads: read-your-writes and monotonic reads hold on every seed; linearizability breaks', { timeout: 300_000 }, () => {
    const runs = seeds.map((seed) => faulty(protocol, { write: 'quorum', read: 'session' }, seed).summary);
    for (const summary of runs) {
      expect(summary.models.readYourWrites.status).toBe('holds');
      expect(summary.models.monotonicReads.status).toBe('holds');
      expect(summary.models.monotonicWrites.status).toBe('holds');
    }
    expect(runs.some((summary) => summary.models.linearizable.status === 'violated')).toBe(true);
  });

  it('majority reads never return a rolled-back w:1 write; monotonic reads break', { timeout: 300_000 }, () => {
    const majority = seeds.map((seed) => faulty(protocol, { write: 'leader', read: 'majority' }, seed, isolateLeader));
    expect(majority.some((result) => result.summary.violations.lostWrite > 0)).toBe(true);
    for (const result of majority) expect(dirtyReads(result)).toBe(0);
    expect(majority.some((result) => result.summary.models.monotonicReads.status === 'violated')).toBe(true);
  });

  it('sync then read is linearizable on every seed, where plain session reads are not', { timeout: 300_000 }, () => {
    for (const seed of seeds) {
      const summary = faulty(protocol, { write: 'quorum', read: 'sync' }, seed).summary;
      expect(summary.models.linearizable.status).toBe('holds');
      expect(summary.violations.staleRead).toBe(0);
    }
  });
});
