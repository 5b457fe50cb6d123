import { formatBallotNumber } from '../../src/contract/engine';
import type { ProtocolName, Role } from '../../src/contract/engine';

/** Each protocol's name in full (headings, selects) and short (badges). */
export const protocolTitles: Readonly<Record<ProtocolName, string>> = { raft: 'Raft', vr: 'Viewstamped Replication', paxos: 'Multi-Paxos' };
export const protocolBadges: Readonly<Record<ProtocolName, string>> = { raft: 'Raft', vr: 'VR', paxos: 'Paxos' };

/** The protocol an experiment or preset names, kept to the known ones (Raft when unknown). */
export function knownProtocol(protocol: unknown): ProtocolName {
  return protocol === 'vr' || protocol === 'paxos' ? protocol : 'raft';
}

/** The word for a node's epoch: Raft's term, VR's view, a Paxos ballot. */
export function termWord(protocol: ProtocolName): string {
  return protocol === 'vr' ? 'view' : protocol === 'paxos' ? 'ballot' : 'term';
}

/** A view's `term` as the protocol says it: a Paxos ballot is reported as round × 10 + node and shown as `round.node`. */
export function formatTerm(protocol: ProtocolName, term: number): string {
  return protocol === 'paxos' ? formatBallotNumber(term) : String(term);
}

/**
 * A role in the protocol's own words. Multi-Paxos reuses the shared roles: a follower is an
 * acceptor (and replica), a candidate is a proposer running phase 1, a leader has its ballot adopted.
 */
export function roleWord(protocol: ProtocolName, role: Role | string): string {
  if (protocol !== 'paxos') return role;
  if (role === 'follower') return 'acceptor';
  if (role === 'candidate') return 'phase 1';
  return role;
}
