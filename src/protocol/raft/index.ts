import { assert } from '../../base/assert';
import type { ProtocolDefinition } from '../replica';
import { raftSafetyFacts } from './facts';
import type { RaftSettings } from '../settings';
import { RaftClusterChecker } from './invariants';
import { raftMessageSize, type RaftDisk, type RaftMessage, type RaftPersistRecord } from './messages';
import { RaftNode } from './node';
import { applyRaftPersist } from './persist';

export { RaftNode } from './node';
export { RaftClusterChecker } from './invariants';
export type { RaftDisk, RaftEntry, RaftMessage, RaftPersistRecord, RaftSnapshot } from './messages';

/** Raft as a host sees it (ARCHITECTURE §2). */
export const raftProtocol: ProtocolDefinition<RaftSettings, RaftMessage, RaftPersistRecord, RaftDisk> = {
  name: 'raft',
  create: (options) => new RaftNode(options),
  applyPersist: applyRaftPersist,
  messageKind: (message) => message.kind,
  isHeartbeat: (message) => message.kind === 'AppendEntries' && message.entries.length === 0,
  messageSize: raftMessageSize,
  createClusterChecker: () => new RaftClusterChecker(),
  safetyFacts: (replica) => {
    assert(replica instanceof RaftNode, () => `raft: ${replica.id} is not a RaftNode`);
    return raftSafetyFacts(replica);
  },
};
