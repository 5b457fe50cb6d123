import { commandDigest } from '../../kv/command';
import { committedDigests, type SafetyFacts } from '../replica';
import { formatBallot } from './messages';
import type { PaxosNode } from './node';

/** A Multi-Paxos node's safety facts (ARCHITECTURE §6): its leader ballot, whether it leads, its executed decisions. */
export function paxosSafetyFacts(node: PaxosNode): SafetyFacts {
  return {
    node: node.id,
    eraName: 'ballot',
    era: formatBallot(node.ballot),
    leads: node.role === 'leader',
    commitIndex: node.executedSlot,
    // Every slot above the snapshot up to the executed one is decided (R2, checked per node).
    ...committedDigests(node.snapshotSlot + 1, node.executedSlot, (slot) => {
      const decision = node.decisions.get(slot);
      return decision === undefined ? 'undecided' : commandDigest(decision.command);
    }),
  };
}
