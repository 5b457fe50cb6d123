import type { LogIndex, NodeId, Term } from '../../base/ids';
import { commandDigest } from '../../kv/command';
import type { ClusterChecker, Replica } from '../replica';
import type { RaftMessage, RaftPersistRecord } from './messages';
import { RaftNode } from './node';

/**
 * Per-node state checks (in the manner of LogCabin's RaftConsensusInvariants): each one line under
 * the sentence it checks. `previous` holds what the last check saw, for the transition checks.
 */
export interface NodeCheckMemory {
  readonly term: Term;
  readonly commitIndex: LogIndex;
  /** Entries up to here were checked and not replaced since (truncations counted below). */
  readonly logCheckedThrough: number;
  readonly truncationCount: number;
}

export function checkNodeInvariants(node: RaftNode, previous: NodeCheckMemory): string[] {
  const broken: string[] = [];
  const log = node.log;
  const check = (holds: boolean, sentence: string): void => {
    if (!holds) broken.push(`${node.id}: ${sentence}`);
  };
  // The commit index never runs past the log, and nothing is applied before it commits.
  check(node.commitIndex <= log.lastIndex, `commitIndex ${node.commitIndex} is beyond the last index ${log.lastIndex}`);
  check(node.lastApplied <= node.commitIndex, `lastApplied ${node.lastApplied} is beyond commitIndex ${node.commitIndex}`);
  // Only applied state is snapshotted.
  check(log.snapshotIndex <= node.lastApplied, `snapshot index ${log.snapshotIndex} is beyond lastApplied ${node.lastApplied}`);
  // Terms in the log never decrease, indices are contiguous, and no entry is from a future term.
  // Incremental: only entries appended or replaced since the last check are walked.
  const unchanged = previous.truncationCount === log.truncationCount ? previous.logCheckedThrough : 0;
  const from = Math.max(log.firstIndex, Math.min(unchanged, log.lastIndex + 1));
  let previousTerm = log.termAt(from - 1) ?? log.snapshotTerm;
  for (let index = from; index <= log.lastIndex; index++) {
    const entry = log.entryAt(index);
    if (entry.index !== index) check(false, `entry at position ${index} says index ${entry.index}`);
    if (entry.term < previousTerm) check(false, `log term decreases at index ${index} (${entry.term} after ${previousTerm})`);
    previousTerm = entry.term;
  }
  check(log.lastTerm <= node.currentTerm, `last log term ${log.lastTerm} is beyond currentTerm ${node.currentTerm}`);
  // A leader voted for itself, leads itself, and its followers' nextIndex sits after their matchIndex within its log.
  if (node.role === 'leader') {
    check(node.votedFor === node.id, `leader of term ${node.currentTerm} voted for ${node.votedFor ?? 'nobody'}`);
    check(node.leaderId === node.id, `leader believes ${node.leaderId ?? 'nobody'} leads`);
    for (const [peer, progress] of node.progress) {
      check(progress.matchIndex < progress.nextIndex, `progress of ${peer}: matchIndex ${progress.matchIndex} ≥ nextIndex ${progress.nextIndex}`);
      check(progress.nextIndex <= log.lastIndex + 1, `progress of ${peer}: nextIndex ${progress.nextIndex} beyond last index + 1`);
      check(progress.matchIndex <= log.lastIndex, `progress of ${peer}: matchIndex beyond the leader's log`);
    }
  } else {
    check(node.progress.size === 0, 'a non-leader tracks follower progress');
  }
  if (node.role === 'candidate') check(node.votedFor === node.id, 'a candidate voted for itself');
  // Transition checks: terms never go back; commitIndex never goes back.
  check(node.currentTerm >= previous.term, `currentTerm went back from ${previous.term} to ${node.currentTerm}`);
  check(node.commitIndex >= previous.commitIndex, `commitIndex went back from ${previous.commitIndex} to ${node.commitIndex}`);
  return broken;
}

interface CommittedEntry {
  readonly term: Term;
  readonly digest: string;
  /** The term of the replica that first reported it committed (≥ the term it was committed in). */
  readonly seenInTerm: Term;
}

interface PairState {
  left: RaftNode;
  right: RaftNode;
  leftTruncations: number;
  rightTruncations: number;
  /** Indices 1..equalThrough hold identical entries in both logs (where both still hold them). */
  equalThrough: number;
}

/** Committed entries remembered below the lowest snapshot; older ones are dropped to keep memory bounded. */
export const committedRememberedMax = 200_000;

/**
 * Cluster-wide Raft safety (§5.2 Figure 3): Election Safety, Log Matching and Leader Completeness.
 * Incremental, so the simulator can run it after every step: log matching re-checks only what
 * changed since the last call, leader completeness runs when a leader first appears and when a
 * newly committed entry is recorded. State Machine Safety is the host's, from `apply` events.
 */
export class RaftClusterChecker implements ClusterChecker<RaftMessage, RaftPersistRecord> {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly committed = new Map<number, CommittedEntry>();
  private readonly commitSeen = new Map<NodeId, { node: RaftNode; commitIndex: number }>();
  private readonly pairs = new Map<string, PairState>();
  private readonly leadersChecked = new Map<NodeId, { node: RaftNode; term: number }>();

  check(replicas: ReadonlyArray<Replica<RaftMessage, RaftPersistRecord>>): string[] {
    const nodes: RaftNode[] = [];
    for (const replica of replicas) if (replica instanceof RaftNode) nodes.push(replica);
    const broken: string[] = [];
    for (const node of nodes) this.checkElectionSafety(node, broken);
    for (const node of nodes) this.recordCommitted(node, nodes, broken);
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) this.checkLogMatching(nodes[i] as RaftNode, nodes[j] as RaftNode, broken);
    }
    for (const node of nodes) this.checkNewLeader(node, broken);
    return broken;
  }

  /** Election Safety: "at most one leader can be elected in a given term" (remembered across calls). */
  private checkElectionSafety(node: RaftNode, broken: string[]): void {
    if (node.role !== 'leader') return;
    const known = this.leaderOfTerm.get(node.currentTerm);
    if (known === undefined) this.leaderOfTerm.set(node.currentTerm, node.id);
    else if (known !== node.id) broken.push(`election safety: ${known} and ${node.id} both led term ${node.currentTerm}`);
  }

  /** Records entries newly committed anywhere; two different entries committed at one index are a violation. */
  private recordCommitted(node: RaftNode, nodes: readonly RaftNode[], broken: string[]): void {
    const seen = this.commitSeen.get(node.id);
    const from = seen !== undefined && seen.node === node ? seen.commitIndex + 1 : node.log.firstIndex;
    for (let index = Math.max(from, node.log.firstIndex); index <= node.commitIndex; index++) {
      const entry = node.log.entryAt(index);
      const digest = commandDigest(entry.command);
      const known = this.committed.get(index);
      if (known === undefined) {
        const record = { term: entry.term, digest, seenInTerm: node.currentTerm };
        this.committed.set(index, record);
        this.checkLateCommit(index, record, nodes, broken);
      } else if (known.term !== entry.term || known.digest !== digest) {
        broken.push(`committed entries differ at index ${index}: term ${known.term} ${known.digest} vs ${node.id}'s term ${entry.term} ${digest}`);
      }
    }
    this.commitSeen.set(node.id, { node, commitIndex: node.commitIndex });
    this.pruneCommitted(nodes);
  }

  /** A commit recorded after a leader of a later term was checked: that leader must hold it too. */
  private checkLateCommit(index: number, record: CommittedEntry, nodes: readonly RaftNode[], broken: string[]): void {
    for (const leader of nodes) {
      if (leader.role !== 'leader' || leader.currentTerm <= record.seenInTerm) continue;
      if (index <= leader.log.snapshotIndex) continue;
      if (leader.log.termAt(index) !== record.term) {
        broken.push(`leader completeness: ${leader.id} leads term ${leader.currentTerm} without the entry committed at ${index} (term ${record.term})`);
      }
    }
  }

  private pruneCommitted(nodes: readonly RaftNode[]): void {
    if (this.committed.size <= committedRememberedMax) return;
    const floor = Math.min(...nodes.map((node) => node.log.snapshotIndex));
    for (const index of [...this.committed.keys()]) if (index <= floor) this.committed.delete(index);
  }

  /** Leader Completeness: "if a log entry is committed in a given term, then that entry will be present in the logs of the leaders for all higher-numbered terms." */
  private checkNewLeader(node: RaftNode, broken: string[]): void {
    if (node.role !== 'leader') return;
    const checked = this.leadersChecked.get(node.id);
    if (checked !== undefined && checked.node === node && checked.term === node.currentTerm) return;
    this.leadersChecked.set(node.id, { node, term: node.currentTerm });
    for (const [index, record] of this.committed) {
      if (record.seenInTerm >= node.currentTerm || index <= node.log.snapshotIndex) continue;
      if (node.log.termAt(index) !== record.term) {
        broken.push(`leader completeness: ${node.id} leads term ${node.currentTerm} without the entry committed at ${index} (term ${record.term})`);
      }
    }
  }

  /**
   * Log Matching: "if two logs contain an entry with the same index and term, then the logs are
   * identical in all entries up through the given index." Per pair, the verified-equal prefix is
   * remembered and lowered only by truncations, so each entry is compared about once.
   */
  private checkLogMatching(left: RaftNode, right: RaftNode, broken: string[]): void {
    const key = `${left.id}|${right.id}`;
    let pair = this.pairs.get(key);
    if (pair === undefined || pair.left !== left || pair.right !== right) {
      pair = { left, right, leftTruncations: left.log.truncationCount, rightTruncations: right.log.truncationCount, equalThrough: 0 };
      this.pairs.set(key, pair);
    }
    pair.equalThrough = Math.min(pair.equalThrough, lowestTruncation(left, pair.leftTruncations) - 1, lowestTruncation(right, pair.rightTruncations) - 1);
    pair.leftTruncations = left.log.truncationCount;
    pair.rightTruncations = right.log.truncationCount;
    const floor = Math.max(left.log.snapshotIndex, right.log.snapshotIndex);
    let top = Math.min(left.log.lastIndex, right.log.lastIndex);
    // The highest index where both hold the same term; only above the verified prefix is there work.
    while (top > Math.max(floor, pair.equalThrough) && left.log.termAt(top) !== right.log.termAt(top)) top--;
    if (top <= Math.max(floor, pair.equalThrough)) return;
    for (let index = Math.max(floor, pair.equalThrough) + 1; index <= top; index++) {
      const a = left.log.entryAt(index);
      const b = right.log.entryAt(index);
      if (a.term !== b.term || commandDigest(a.command) !== commandDigest(b.command)) {
        broken.push(`log matching: ${left.id} and ${right.id} agree on index ${top} (term ${left.log.termAt(top)}) but differ at ${index}`);
        return;
      }
    }
    pair.equalThrough = top;
  }
}

/** The lowest index a log replaced since it had made `sinceCount` truncations (Infinity when none). */
function lowestTruncation(node: RaftNode, sinceCount: number): number {
  if (node.log.truncationCount === sinceCount) return Infinity;
  const remembered = node.log.truncations.filter((truncation) => truncation.count > sinceCount);
  if (remembered.length < node.log.truncationCount - sinceCount) return 0; // forgotten some: recheck everything
  return Math.min(...remembered.map((truncation) => truncation.fromIndex));
}
