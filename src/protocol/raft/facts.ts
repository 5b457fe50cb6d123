import { commandDigest } from '../../kv/command';
import { committedDigests, type SafetyFacts } from '../replica';
import type { RaftNode } from './node';

/** A Raft node's safety facts (ARCHITECTURE §6): its term, whether it leads it, its committed entries. */
export function raftSafetyFacts(node: RaftNode): SafetyFacts {
  const to = Math.min(node.commitIndex, node.log.lastIndex);
  return {
    node: node.id,
    eraName: 'term',
    era: String(node.currentTerm),
    leads: node.role === 'leader',
    commitIndex: node.commitIndex,
    ...committedDigests(node.log.firstIndex, to, (index) => commandDigest(node.log.entryAt(index).command)),
  };
}
