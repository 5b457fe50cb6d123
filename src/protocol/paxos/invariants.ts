import type { NodeId } from '../../base/ids';
import { limits } from '../../base/limits';
import { commandDigest } from '../../kv/command';
import type { ClusterChecker, Replica } from '../replica';
import { compareBallots, formatBallot, type Ballot, type PaxosMessage, type PaxosPersistRecord } from './messages';
import type { PaxosNode } from './node';

/**
 * Invariants of a Multi-Paxos node and cluster, LogCabin-style: each check one sentence, state
 * checks then transition checks; the simulator runs them after every step. The names in brackets
 * are Paxos Made Moderately Complex's (A: acceptor, L: leader, R: replica).
 */

/** What the previous check of one node saw, for the transition checks. */
export interface NodeCheckMemory {
  promised: Ballot;
  ballot: Ballot;
  executedSlot: number;
  snapshotSlot: number;
}

export function checkNodeInvariants(node: PaxosNode): string[] {
  const problems: string[] = [];
  const executed = node.executedSlot;
  // State checks.
  if (!(node.snapshotSlot <= executed)) problems.push(`the snapshot at slot ${node.snapshotSlot} is ahead of execution (${executed})`);
  // R2: every slot up to the executed one is decided.
  if (!(executed === node.snapshotSlot || node.decisions.has(executed))) problems.push(`slot ${executed} is executed but not among the decisions`);
  if (!(node.ballot.node === node.id)) problems.push(`the leader ballot ${formatBallot(node.ballot)} is not ${node.id}'s own`);
  // A1 / PMS phase 2(b): an active leader's own acceptor promised exactly its ballot.
  if (node.role === 'leader' && !(compareBallots(node.promised, node.ballot) === 0)) problems.push(`leads ballot ${formatBallot(node.ballot)} but its acceptor promised ${formatBallot(node.promised)}`);
  if (node.role !== 'leader' && !(node.commanders.size === 0 && node.pendingReads.length === 0)) problems.push('a node that does not lead keeps commanders or reads');
  if (node.role !== 'candidate' && !(node.scout === null)) problems.push('a node that is not a candidate keeps a scout');
  for (const slotNumber of node.commanders.keys()) {
    if (!(slotNumber > node.snapshotSlot)) problems.push(`a commander runs for slot ${slotNumber}, compacted into the snapshot`);
    break; // the oldest commander is first in insertion order; one look per step keeps this cheap
  }
  if (!(node.decisions.size + node.accepted.size <= limits.logEntriesInMemoryMax)) problems.push(`holds ${node.decisions.size} decisions and ${node.accepted.size} pvalues, above ${limits.logEntriesInMemoryMax}`);
  // A2 / PMS P1a: "An acceptor can accept a proposal numbered n iff it has not responded to a prepare request having a number greater than n."
  if (!(node.acceptedBelowPromise.length === 0)) problems.push(...node.acceptedBelowPromise.splice(0));
  // R1 seen from one replica: it never learns two decisions for one slot.
  if (!(node.conflictingDecisions.length === 0)) problems.push(...node.conflictingDecisions.splice(0));
  // Transition checks.
  const previous = node.checked;
  if (previous !== null) {
    // A1: "an acceptor can only adopt strictly higher ballot numbers" — the promise never decreases.
    if (!(compareBallots(node.promised, previous.promised) >= 0)) problems.push(`the promise went back from ${formatBallot(previous.promised)} to ${formatBallot(node.promised)}`);
    if (!(compareBallots(node.ballot, previous.ballot) >= 0)) problems.push(`the leader ballot went back from ${formatBallot(previous.ballot)} to ${formatBallot(node.ballot)}`);
    // R4: slot_out never decreases: commands are applied in slot order.
    if (!(executed >= previous.executedSlot)) problems.push(`execution went back from slot ${previous.executedSlot} to ${executed}`);
    if (!(node.snapshotSlot >= previous.snapshotSlot)) problems.push(`the snapshot went back from slot ${previous.snapshotSlot} to ${node.snapshotSlot}`);
  }
  // Updated in place: one memory per node, not one per step.
  if (previous === null) node.checked = { promised: node.promised, ballot: node.ballot, executedSlot: executed, snapshotSlot: node.snapshotSlot };
  else {
    previous.promised = node.promised;
    previous.ballot = node.ballot;
    previous.executedSlot = executed;
    previous.snapshotSlot = node.snapshotSlot;
  }
  return problems;
}

interface SlotVotes {
  /** ballot → the command accepted in it and who accepted it. */
  readonly byBallot: Map<string, { readonly ballot: Ballot; readonly digest: string; readonly acceptors: Set<NodeId> }>;
  chosen: { readonly ballot: Ballot; readonly digest: string } | null;
}

/**
 * Cluster-wide safety of Multi-Paxos, remembered across calls:
 * - one value per (ballot, slot) (L1: a leader proposes one command per slot in a ballot);
 * - at most one value chosen per slot (PMS P2 / R1), a value being chosen when a phase-2 quorum
 *   accepted it in one ballot;
 * - once chosen, every pvalue of a higher ballot for that slot carries it (PMS P2a / A5);
 * - the decided prefix never changes: every replica executes the same command at each slot.
 */
export class PaxosClusterChecker implements ClusterChecker<PaxosMessage, PaxosPersistRecord> {
  private readonly votes = new Map<number, SlotVotes>();
  private readonly executedDigest = new Map<number, { digest: string; node: NodeId }>();
  private readonly checkedUpTo = new WeakMap<object, number>();
  /** Each node's replica object as last checked: a new object is a restarted incarnation. */
  private readonly incarnations = new Map<NodeId, object>();
  private prunedUpTo = 0;
  private highestSlot = 0;

  check(replicas: ReadonlyArray<Replica<PaxosMessage, PaxosPersistRecord>>): string[] {
    const problems: string[] = [];
    let lowestSnapshot = Number.POSITIVE_INFINITY;
    for (const generic of replicas) {
      const node = generic as PaxosNode;
      lowestSnapshot = Math.min(lowestSnapshot, node.snapshotSlot);
      const last = this.incarnations.get(node.id);
      if (last !== node) {
        if (last !== undefined) this.forgetUndurableVotes(node);
        this.incarnations.set(node.id, node);
      }
      this.checkAccepted(node, problems);
      this.checkExecuted(node, problems);
    }
    this.prune(Number.isFinite(lowestSnapshot) ? lowestSnapshot : 0);
    return problems;
  }

  private checkAccepted(node: PaxosNode, problems: string[]): void {
    // Most steps accept nothing at this node: no new list for it then (this runs for every node after every step).
    if (!node.acceptedSinceCheckOverflowed && node.acceptedSinceCheck.length === 0) return;
    const slots = node.acceptedSinceCheckOverflowed ? [...node.accepted.keys()] : node.acceptedSinceCheck;
    node.acceptedSinceCheck = [];
    node.acceptedSinceCheckOverflowed = false;
    for (const slotNumber of slots) {
      const pvalue = node.accepted.get(slotNumber);
      if (pvalue === undefined || slotNumber <= this.prunedUpTo) continue;
      this.highestSlot = Math.max(this.highestSlot, slotNumber);
      const digest = commandDigest(pvalue.command);
      let votes = this.votes.get(slotNumber);
      if (votes === undefined) {
        votes = { byBallot: new Map(), chosen: null };
        this.votes.set(slotNumber, votes);
      }
      const chosen = votes.chosen;
      if (chosen !== null && compareBallots(pvalue.ballot, chosen.ballot) > 0 && digest !== chosen.digest) {
        problems.push(`slot ${slotNumber}: ${chosen.digest} was chosen in ballot ${formatBallot(chosen.ballot)}, yet ${node.id} accepted ${digest} in the higher ballot ${formatBallot(pvalue.ballot)}`);
      }
      const key = formatBallot(pvalue.ballot);
      const inBallot = votes.byBallot.get(key);
      if (inBallot === undefined) {
        votes.byBallot.set(key, { ballot: pvalue.ballot, digest, acceptors: new Set([node.id]) });
      } else if (inBallot.digest !== digest) {
        problems.push(`slot ${slotNumber}, ballot ${key}: two values, ${inBallot.digest} and ${digest} (accepted by ${node.id})`);
        continue;
      } else {
        inBallot.acceptors.add(node.id);
      }
      const acceptors = votes.byBallot.get(key)?.acceptors.size ?? 0;
      if (acceptors < node.phase2Quorum) continue;
      if (chosen === null) votes.chosen = { ballot: pvalue.ballot, digest };
      else if (chosen.digest !== digest) problems.push(`slot ${slotNumber}: two values chosen, ${chosen.digest} in ballot ${formatBallot(chosen.ballot)} and ${digest} in ballot ${key}`);
    }
  }

  /**
   * A node restarted, and after a power loss its disk holds only what was durable. An acceptance it
   * no longer holds was never durable, so by the persist-then-send rule it was never acknowledged:
   * it was not an acceptance in the protocol's sense (PMS: an acceptor accepts by recording and
   * answering). Its vote goes, and a slot whose chosen value rested on it is no longer chosen. What
   * the node compacted into its snapshot is kept (it is decided there). A lost vote that had been
   * durable would be a disk bug, not Paxos's: the simulator loses only writes not yet synced.
   */
  private forgetUndurableVotes(node: PaxosNode): void {
    for (const [slotNumber, votes] of this.votes) {
      if (slotNumber <= node.snapshotSlot) continue;
      const held = node.accepted.get(slotNumber);
      for (const [key, inBallot] of votes.byBallot) {
        if (!inBallot.acceptors.has(node.id)) continue;
        if (held !== undefined && formatBallot(held.ballot) === key) continue;
        inBallot.acceptors.delete(node.id);
      }
      const chosen = votes.chosen;
      if (chosen !== null && (votes.byBallot.get(formatBallot(chosen.ballot))?.acceptors.size ?? 0) < node.phase2Quorum) votes.chosen = null;
    }
  }

  private checkExecuted(node: PaxosNode, problems: string[]): void {
    const from = Math.max(this.checkedUpTo.get(node) ?? 0, node.snapshotSlot, this.prunedUpTo);
    const to = node.executedSlot;
    for (let slotNumber = from + 1; slotNumber <= to; slotNumber++) {
      const decision = node.decisions.get(slotNumber);
      if (decision === undefined) continue;
      const digest = commandDigest(decision.command);
      const first = this.executedDigest.get(slotNumber);
      if (first === undefined) this.executedDigest.set(slotNumber, { digest, node: node.id });
      else if (first.digest !== digest) problems.push(`the decided prefix changed at slot ${slotNumber}: ${first.node} executed ${first.digest}, ${node.id} executed ${digest}`);
    }
    if (to > from) this.checkedUpTo.set(node, to);
    this.highestSlot = Math.max(this.highestSlot, to);
  }

  /** Forget slots every live node has compacted, and beyond a hard window when one lags far behind. */
  private prune(lowestSnapshot: number): void {
    const upTo = Math.max(lowestSnapshot, this.highestSlot - limits.logEntriesInMemoryMax);
    if (upTo <= this.prunedUpTo) return;
    for (let slotNumber = this.prunedUpTo + 1; slotNumber <= upTo; slotNumber++) {
      this.votes.delete(slotNumber);
      this.executedDigest.delete(slotNumber);
    }
    this.prunedUpTo = upTo;
  }
}
