import { commandDigest } from '../../kv/command';
import { committedDigests, type SafetyFacts } from '../replica';
import type { VrReplica } from './replica';

/** A VR replica's safety facts (ARCHITECTURE §6): its view, whether it is its primary, its committed ops. */
export function vrSafetyFacts(replica: VrReplica): SafetyFacts {
  const to = Math.min(replica.commitNumber, replica.log.lastOpNumber);
  return {
    node: replica.id,
    eraName: 'view',
    era: String(replica.viewNumber),
    leads: replica.isPrimary(),
    commitIndex: replica.commitNumber,
    ...committedDigests(replica.log.baseOpNumber + 1, to, (op) => commandDigest(replica.log.entry(op).command)),
  };
}
