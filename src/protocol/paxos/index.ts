import { assert } from '../../base/assert';
import type { ProtocolDefinition } from '../replica';
import { paxosSafetyFacts } from './facts';
import type { PaxosSettings } from '../settings';
import { PaxosClusterChecker } from './invariants';
import { type PaxosDisk, type PaxosMessage, type PaxosPersistRecord, paxosMessageSize } from './messages';
import { PaxosNode } from './node';
import { applyPaxosPersist } from './persist';

export { PaxosNode } from './node';
export type { PaxosIgnoreReason } from './node';
export { PaxosClusterChecker } from './invariants';
export { paxosQuorumProblems, paxosQuorums } from './quorums';
export { ballotNumber, compareBallots, formatBallot, formatBallotNumber } from './messages';
export type { Ballot, Decision, PaxosDisk, PaxosMessage, PaxosPersistRecord, PaxosSnapshot, PValue } from './messages';

/** Multi-Paxos (Paxos Made Simple §3, Paxos Made Moderately Complex) as a host sees it (ARCHITECTURE §2, §13). */
export const paxosProtocol: ProtocolDefinition<PaxosSettings, PaxosMessage, PaxosPersistRecord, PaxosDisk> = {
  name: 'paxos',
  create: (options) => new PaxosNode(options),
  applyPersist: applyPaxosPersist,
  messageKind: (message) => message.kind,
  isHeartbeat: (message) => message.kind === 'Heartbeat' || message.kind === 'HeartbeatReply',
  messageSize: paxosMessageSize,
  createClusterChecker: () => new PaxosClusterChecker(),
  safetyFacts: (replica) => {
    assert(replica instanceof PaxosNode, () => `paxos: ${replica.id} is not a PaxosNode`);
    return paxosSafetyFacts(replica);
  },
};
