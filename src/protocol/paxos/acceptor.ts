import type { NodeId, Slot } from '../../base/ids';
import { ballotNumber, compareBallots, formatBallot, type Ballot, type PaxosMessage, type PValue } from './messages';
import type { PaxosNode } from './node';

/**
 * The acceptor (Paxos Made Simple §2.2, PMMC's Acceptor): a promised ballot and the pvalues
 * accepted, both persisted before any reply leaves (the host's persist-then-send rule). It
 * answers every request; a request it cannot honour gets its current ballot, from which the
 * proposer learns it was preempted.
 */

type P1a = Extract<PaxosMessage, { kind: 'P1a' }>;
type P2a = Extract<PaxosMessage, { kind: 'P2a' }>;

/** The answer to a prepare request, for the network or for the collocated leader. */
export interface PrepareAnswer {
  readonly ballot: Ballot;
  readonly accepted: readonly PValue[];
  readonly snapshotSlot: Slot;
}

/**
 * PMS §2.2 phase 1(b): "If an acceptor receives a prepare request with number n greater than
 * that of any prepare request to which it has already responded, then it responds to the request
 * with a promise not to accept any more proposals numbered less than n and with the
 * highest-numbered proposal (if any) that it has accepted." Multi-Paxos (PMS §3) asks for every
 * slot from `fromSlot` at once. Null when the acceptor declines to answer (a lease it granted).
 */
export function prepare(node: PaxosNode, from: NodeId, ballot: Ballot, fromSlot: Slot): PrepareAnswer | null {
  if (compareBallots(ballot, node.promised) > 0) {
    // Paxos Made Live §5.2: while a master lease it granted runs, the acceptor promises no other ballot.
    if (node.leaseGrantedUntilTick > node.nowTick && node.leaseGrantedTo !== null && compareBallots(ballot, node.leaseGrantedTo) !== 0) {
      node.ignoreMessage('P1a', from, 'lease-granted');
      return null;
    }
    node.promise(ballot);
  }
  const accepted: PValue[] = [];
  for (const [slotNumber, pvalue] of node.accepted) if (slotNumber >= fromSlot) accepted.push(pvalue);
  accepted.sort((a, b) => a.slot - b.slot);
  return { ballot: node.promised, accepted, snapshotSlot: node.snapshotSlot };
}

export function onP1a(node: PaxosNode, from: NodeId, message: P1a): void {
  // Raft §6's disruptive-server guard, a liveness rule only (PMS §2.2: "An acceptor can ignore
  // any request without compromising safety"): a live leader's followers ignore rival ballots.
  if (compareBallots(message.ballot, node.promised) > 0 && node.leaderIsFresh() && message.ballot.node !== node.leaderId) {
    return node.ignoreMessage('P1a', from, 'leader-is-fresh');
  }
  const answer = prepare(node, from, message.ballot, message.fromSlot);
  if (answer === null) return;
  node.send(from, { kind: 'P1b', ballot: answer.ballot, requested: message.ballot, accepted: answer.accepted, snapshotSlot: answer.snapshotSlot });
}

/**
 * PMS §2.2 phase 2(b): "If an acceptor receives an accept request for a proposal numbered n, it
 * accepts the proposal unless it has already responded to a prepare request having a number
 * greater than n." Returns whether it accepted. The unsafe switch `acceptWithoutPromiseCheck`
 * skips the comparison. A slot compacted into the snapshot is decided: nothing to accept there.
 */
export function accept(node: PaxosNode, from: NodeId, pvalue: PValue): boolean {
  if (pvalue.slot <= node.snapshotSlot) {
    node.ignoreMessage('P2a', from, 'slot-compacted');
    return false;
  }
  const belowPromise = compareBallots(pvalue.ballot, node.promised) < 0;
  if (belowPromise && !node.unsafe.has('acceptWithoutPromiseCheck')) return false;
  if (belowPromise) node.acceptedBelowPromise.push(`accepted slot ${pvalue.slot} in ballot ${formatBallot(pvalue.ballot)}, below its promise ${formatBallot(node.promised)}`);
  if (!belowPromise && compareBallots(pvalue.ballot, node.promised) > 0) node.promise(pvalue.ballot);
  const previous = node.accepted.get(pvalue.slot);
  // A leader resends P2a until it hears P2b; the pvalue this acceptor already holds (one value per
  // ballot and slot) is recorded already: its answer needs no second write, which under a stream of
  // resends would queue behind the disk and hold back everything the node sends after it.
  if (previous !== undefined && compareBallots(previous.ballot, pvalue.ballot) === 0) return true;
  node.accepted.set(pvalue.slot, pvalue);
  if (previous === undefined || compareBallots(previous.ballot, pvalue.ballot) !== 0) node.logFacts.appended(pvalue.slot, ballotNumber(pvalue.ballot), pvalue.command, pvalue.ballot.node === node.id);
  node.noteAccepted(pvalue.slot);
  node.persist({ kind: 'accept', pvalue });
  return true;
}

export function onP2a(node: PaxosNode, from: NodeId, message: P2a): void {
  const pvalue = message.pvalue;
  const accepted = accept(node, from, pvalue);
  if (pvalue.slot <= node.snapshotSlot) return;
  if (accepted) node.hearLeader(pvalue.ballot);
  // PMMC: ⟨p2b, α, ballot_num⟩; under the unsafe switch the acceptor claims the proposal's ballot.
  const ballot = accepted ? pvalue.ballot : node.promised;
  node.send(from, { kind: 'P2b', ballot, slot: pvalue.slot });
}
