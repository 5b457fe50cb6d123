import { assert } from '../../base/assert';
import type { ProtocolDefinition } from '../replica';
import { vrSafetyFacts } from './facts';
import type { VrSettings } from '../settings';
import { VrClusterChecker } from './invariants';
import { type VrDisk, type VrMessage, type VrPersistRecord, vrMessageSize } from './messages';
import { VrReplica } from './replica';

export { VrReplica } from './replica';
export type { VrStatus, VrIgnoreReason } from './replica';
export { VrClusterChecker } from './invariants';
export type { VrCheckpoint, VrDisk, VrLogEntry, VrLogState, VrMessage, VrPersistRecord } from './messages';

/**
 * Viewstamped Replication (Liskov & Cowling 2012) as a host sees it (ARCHITECTURE §2). VR keeps no
 * durable state: nothing is persisted, and a replica started with `incarnation > 0` recovers
 * its state from its peers (§4.3).
 */
export const vrProtocol: ProtocolDefinition<VrSettings, VrMessage, VrPersistRecord, VrDisk> = {
  name: 'vr',
  create: (options) => new VrReplica(options),
  applyPersist: () => null,
  messageKind: (message) => message.kind,
  isHeartbeat: (message) => message.kind === 'Commit' || message.kind === 'CommitOk',
  messageSize: vrMessageSize,
  createClusterChecker: () => new VrClusterChecker(),
  safetyFacts: (replica) => {
    assert(replica instanceof VrReplica, () => `vr: ${replica.id} is not a VrReplica`);
    return vrSafetyFacts(replica);
  },
};
