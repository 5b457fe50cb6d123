import { describe, expect, it } from 'vitest';
import { RunController } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import type { TraceEvent } from '../../src/history/trace';
import { raftProtocol } from '../../src/protocol/raft';
import { term, logIndex, type NodeId } from '../../src/base/ids';

function trace(protocol: 'raft' | 'vr' | 'paxos'): TraceEvent[] {
  const events: TraceEvent[] = [];
  const experiment = validateExperiment({ protocol, nodes: 3, seed: 4, durationMs: 1500, workload: { clients: 2, ratePerSec: 20 }, network: { drop: 0.05 } });
  new RunController(experiment, { trace: (event) => events.push(event) }).runToEnd();
  return events;
}

const heartbeatKinds = { raft: ['AppendEntries'], vr: ['Commit', 'CommitOk'], paxos: ['Heartbeat', 'HeartbeatReply'] } as const;

describe('the trace marks heartbeats (issue 17 item 8)', () => {
  it("Raft: an AppendEntries is a heartbeat exactly when it carries no entries", () => {
    const base = { kind: 'AppendEntries', term: term(1), leaderId: 'n1' as NodeId, prevLogIndex: logIndex(0), prevLogTerm: term(0), leaderCommit: logIndex(0), round: 1 } as const;
    expect(raftProtocol.isHeartbeat({ ...base, entries: [] })).toBe(true);
    expect(raftProtocol.isHeartbeat({ ...base, entries: [{ index: logIndex(1), term: term(1), command: null }] })).toBe(false);
    expect(raftProtocol.isHeartbeat({ kind: 'RequestVoteReply', term: term(1), voteGranted: true })).toBe(false);
  });

  for (const protocol of ['raft', 'vr', 'paxos'] as const) {
    it(`${protocol}: heartbeat lines are marked on send, deliver and drop alike, and only heartbeat kinds`, () => {
      const events = trace(protocol);
      const marked = new Map<number, boolean>();
      let heartbeats = 0;
      let others = 0;
      for (const event of events) {
        if (event.kind !== 'send' && event.kind !== 'deliver' && event.kind !== 'drop') continue;
        const heartbeat = event.heartbeat === true;
        if (event.kind === 'send') marked.set(event.id, heartbeat);
        else expect(heartbeat, `${event.kind} of message ${event.id}`).toBe(marked.get(event.id));
        if (heartbeat) {
          heartbeats++;
          expect(heartbeatKinds[protocol] as readonly string[]).toContain(event.message);
        } else others++;
      }
      expect(heartbeats).toBeGreaterThan(0);
      expect(others).toBeGreaterThan(0);
    });
  }
});
