import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunController } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import { ReplicaLogs } from '../../src/history/replicaLogs';
import type { TraceEvent } from '../../src/history/trace';
import type { NodeId } from '../../src/base/ids';
import { ballotNumber, type PaxosNode } from '../../src/protocol/paxos';
import type { RaftNode } from '../../src/protocol/raft';
import type { VrReplica } from '../../src/protocol/vr';

/** Each replica's actual log after its snapshot boundary, as [index, term/view/ballot] pairs. */
function actualLog(protocol: 'raft' | 'vr' | 'paxos', replica: unknown): { snapshotIndex: number; entries: Array<[number, number]> } {
  if (protocol === 'raft') {
    const log = (replica as RaftNode).log;
    return { snapshotIndex: log.snapshotIndex, entries: log.slice(log.firstIndex, log.lastIndex).map((entry) => [entry.index, entry.term]) };
  }
  if (protocol === 'vr') {
    const log = (replica as VrReplica).log;
    return { snapshotIndex: log.baseOpNumber, entries: log.entriesAfter(log.baseOpNumber).map((entry) => [entry.opNumber, entry.viewNumber]) };
  }
  const node = replica as PaxosNode;
  const snapshotIndex = node.snapshotSlot;
  const entries = [...node.accepted.values()].filter((pvalue) => pvalue.slot > snapshotIndex).sort((a, b) => a.slot - b.slot).map((pvalue): [number, number] => [pvalue.slot, ballotNumber(pvalue.ballot)]);
  return { snapshotIndex, entries };
}

const runArbitrary = fc.record({
  protocol: fc.constantFrom('raft' as const, 'vr' as const, 'paxos' as const),
  nodes: fc.constantFrom(3, 5),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  drop: fc.constantFrom(0, 0.02, 0.1),
  duplicate: fc.constantFrom(0, 0.05),
  snapshotEvery: fc.constantFrom(20, 1000),
  maxEntries: fc.constantFrom(1, 64),
  kinds: fc.subarray(['partition', 'crash', 'pause', 'clock', 'drop'] as const, { minLength: 1 }),
});

describe('replica logs rebuilt from the trace match every replica at the end of a run', () => {
  it('on random runs of every protocol under a nemesis', () => {
    fc.assert(
      fc.property(runArbitrary, (drawn) => {
        const protocolSettings = drawn.protocol === 'vr' ? { checkpointEveryOps: drawn.snapshotEvery, maxEntriesPerMessage: drawn.maxEntries } : drawn.protocol === 'raft' ? { snapshotEveryEntries: drawn.snapshotEvery, maxEntriesPerAppend: drawn.maxEntries } : { snapshotEveryEntries: drawn.snapshotEvery, maxEntriesPerMessage: drawn.maxEntries };
        const experiment = validateExperiment({
          protocol: drawn.protocol,
          nodes: drawn.nodes,
          seed: drawn.seed,
          durationMs: 2500,
          protocolSettings,
          workload: { clients: 4, ratePerSec: 150 },
          network: { drop: drawn.drop, duplicate: drawn.duplicate, reorder: 0.05 },
          nemesis: { kinds: [...drawn.kinds], intervalMs: [150, 500] },
        });
        const events: TraceEvent[] = [];
        const run = new RunController(experiment, { trace: (event) => events.push(event), checkInvariants: false });
        run.runToEnd();
        const logs = ReplicaLogs.fromTrace(events);
        const rows = logs.window(1, 1);
        for (const id of run.core.ids) {
          const replica = run.cluster.replica(id as NodeId);
          if (replica === null) continue;
          const actual = actualLog(drawn.protocol, replica);
          const rebuilt = logs.held(id);
          expect({ node: id, snapshotIndex: rebuilt.snapshotIndex }).toEqual({ node: id, snapshotIndex: actual.snapshotIndex });
          expect(rebuilt.entries).toEqual(actual.entries);
          const view = replica.view();
          const row = rows.find((candidate) => candidate.node === id);
          expect({ node: id, commit: row?.commitIndex, applied: row?.appliedIndex, down: row?.down }).toEqual({ node: id, commit: view.commitIndex, applied: view.appliedIndex, down: false });
        }
      }),
      { numRuns: 24, seed: 17 },
    );
  });
});
