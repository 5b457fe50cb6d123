// A test-only protocol for the live runtime: Raft, except that n3's first incarnation rewrites a
// committed entry of its own log on its 200th tick (as a memory-corrupting bug would), which no
// per-node check can see: only the cluster-wide checker, comparing logs, can.
import type { NodeId } from '../../src/base/ids';
import { raftProtocol } from '../../src/protocol/raft';
import type { RaftEntry } from '../../src/protocol/raft/messages';
import type { RaftNode } from '../../src/protocol/raft/node';

export const corruptingNode = 'n3' as NodeId;
export const corruptingTick = 200;

export const protocol: typeof raftProtocol = {
  ...raftProtocol,
  create(options) {
    const replica = raftProtocol.create(options);
    if (options.id !== corruptingNode || options.incarnation > 0) return replica;
    let ticks = 0;
    const tick = replica.tick.bind(replica);
    replica.tick = () => {
      tick();
      if (++ticks === corruptingTick) corruptCommittedEntry(replica as RaftNode);
    };
    return replica;
  },
};

/** Replaces the first committed client command still in the log by one with another sequence number. */
function corruptCommittedEntry(node: RaftNode): void {
  const entries = (node.log as unknown as { entries: RaftEntry[] }).entries;
  const position = entries.findIndex((entry) => entry.command !== null && entry.index <= node.commitIndex);
  const entry = entries[position];
  if (entry === undefined || entry.command === null) throw new Error(`${node.id} has no committed command to corrupt by tick ${corruptingTick}`);
  entries[position] = { ...entry, command: { ...entry.command, sequence: entry.command.sequence + 1_000_000 } };
}
