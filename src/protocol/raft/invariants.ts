import { limits } from '../../base/limits';
import type { LogIndex, NodeId, Term } from '../../base/ids';
import { commandDigest } from '../../kv/command';
import type { ClusterChecker, Replica } from '../replica';
import type { RaftEntry, RaftMessage, RaftPersistRecord } from './messages';
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
  // Each check is an `if` on the condition, so the sentence is only built when it fails: this runs
  // after every simulated step.
  const fail = (sentence: string): void => {
    broken.push(`${node.id}: ${sentence}`);
  };
  const lastIndex = log.lastIndex;
  // The commit index never runs past the log, and nothing is applied before it commits.
  if (!(node.commitIndex <= lastIndex)) fail(`commitIndex ${node.commitIndex} is beyond the last index ${lastIndex}`);
  if (!(node.lastApplied <= node.commitIndex)) fail(`lastApplied ${node.lastApplied} is beyond commitIndex ${node.commitIndex}`);
  // Only applied state is snapshotted.
  if (!(log.snapshotIndex <= node.lastApplied)) fail(`snapshot index ${log.snapshotIndex} is beyond lastApplied ${node.lastApplied}`);
  // Terms in the log never decrease, indices are contiguous, and no entry is from a future term.
  // Incremental: only entries appended or replaced since the last check are walked.
  const unchanged = previous.truncationCount === log.truncationCount ? previous.logCheckedThrough : 0;
  const from = Math.max(log.firstIndex, Math.min(unchanged, lastIndex + 1));
  let previousTerm = log.termAt(from - 1) ?? log.snapshotTerm;
  for (let index = from; index <= lastIndex; index++) {
    const entry = log.entryAt(index);
    if (entry.index !== index) fail(`entry at position ${index} says index ${entry.index}`);
    if (entry.term < previousTerm) fail(`log term decreases at index ${index} (${entry.term} after ${previousTerm})`);
    previousTerm = entry.term;
  }
  if (!(log.lastTerm <= node.currentTerm)) fail(`last log term ${log.lastTerm} is beyond currentTerm ${node.currentTerm}`);
  // A leader voted for itself, leads itself, and its followers' nextIndex sits after their matchIndex within its log.
  if (node.role === 'leader') {
    if (!(node.votedFor === node.id)) fail(`leader of term ${node.currentTerm} voted for ${node.votedFor ?? 'nobody'}`);
    if (!(node.leaderId === node.id)) fail(`leader believes ${node.leaderId ?? 'nobody'} leads`);
    for (const [peer, progress] of node.progress) {
      if (!(progress.matchIndex < progress.nextIndex)) fail(`progress of ${peer}: matchIndex ${progress.matchIndex} ≥ nextIndex ${progress.nextIndex}`);
      if (!(progress.nextIndex <= lastIndex + 1)) fail(`progress of ${peer}: nextIndex ${progress.nextIndex} beyond last index + 1`);
      if (!(progress.matchIndex <= lastIndex)) fail(`progress of ${peer}: matchIndex beyond the leader's log`);
    }
  } else if (!(node.progress.size === 0)) {
    fail('a non-leader tracks follower progress');
  }
  if (node.role === 'candidate' && !(node.votedFor === node.id)) fail('a candidate voted for itself');
  // Transition checks: terms never go back; commitIndex never goes back.
  if (!(node.currentTerm >= previous.term)) fail(`currentTerm went back from ${previous.term} to ${node.currentTerm}`);
  if (!(node.commitIndex >= previous.commitIndex)) fail(`commitIndex went back from ${previous.commitIndex} to ${node.commitIndex}`);
  return broken;
}

interface CommittedEntry {
  readonly term: Term;
  readonly digest: string;
  /** The entry object first seen committed: the same object elsewhere needs no digest to compare. */
  readonly entry: RaftEntry;
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
  /** Each log's last index and snapshot index when the pair was last checked: unchanged logs need no new check. */
  leftLastIndex: number;
  rightLastIndex: number;
  leftSnapshotIndex: number;
  rightSnapshotIndex: number;
  /** The last check reported a violation: it is checked (and reported) again at every call, as before. */
  brokenLast: boolean;
}


/**
 * Cluster-wide Raft safety (§5.2 Figure 3): Election Safety, Log Matching and Leader Completeness.
 * Incremental, so the simulator can run it after every step: log matching re-checks only what
 * changed since the last call, leader completeness runs when a leader first appears and when a
 * newly committed entry is recorded. State Machine Safety is the host's, from `apply` events.
 */
export class RaftClusterChecker implements ClusterChecker<RaftMessage, RaftPersistRecord> {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly committed = new Map<number, CommittedEntry>();
  private readonly commitSeen = new Map<NodeId, { readonly node: RaftNode; commitIndex: number }>();
  private readonly pairs = new Map<string, PairState>();
  private readonly leadersChecked = new Map<NodeId, { node: RaftNode; term: number }>();
  /** The replicas of the last call (they change only when a node crashes or starts) … */
  private replicasSeen: ReadonlyArray<Replica<RaftMessage, RaftPersistRecord>> | null = null;
  /** … its Raft nodes, and the state of each pair (i < j) in row order, so a step does no lookups. */
  private nodesSeen: RaftNode[] = [];
  private pairsSeen: PairState[] = [];

  check(replicas: ReadonlyArray<Replica<RaftMessage, RaftPersistRecord>>): string[] {
    if (!this.sameReplicas(replicas)) this.learnReplicas(replicas);
    const nodes = this.nodesSeen;
    const broken: string[] = [];
    for (const node of nodes) this.checkElectionSafety(node, broken);
    for (const node of nodes) this.recordCommitted(node, nodes, broken);
    let pairIndex = 0;
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) this.checkLogMatching(this.pairsSeen[pairIndex++] as PairState, broken);
    }
    for (const node of nodes) this.checkNewLeader(node, broken);
    return broken;
  }

  /** True when `replicas` holds exactly the replicas of the last call, in the same order. */
  private sameReplicas(replicas: ReadonlyArray<Replica<RaftMessage, RaftPersistRecord>>): boolean {
    const seen = this.replicasSeen;
    if (seen === null || seen.length !== replicas.length) return false;
    for (let i = 0; i < replicas.length; i++) if (seen[i] !== replicas[i]) return false;
    return true;
  }

  private learnReplicas(replicas: ReadonlyArray<Replica<RaftMessage, RaftPersistRecord>>): void {
    const nodes: RaftNode[] = [];
    for (const replica of replicas) if (replica instanceof RaftNode) nodes.push(replica);
    const pairs: PairState[] = [];
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) pairs.push(this.pairState(nodes[i] as RaftNode, nodes[j] as RaftNode));
    }
    this.replicasSeen = [...replicas];
    this.nodesSeen = nodes;
    this.pairsSeen = pairs;
  }

  /** The remembered state of a pair; a restarted node (a new object) starts a fresh one. */
  private pairState(left: RaftNode, right: RaftNode): PairState {
    const key = `${left.id}|${right.id}`;
    let pair = this.pairs.get(key);
    if (pair === undefined || pair.left !== left || pair.right !== right) {
      pair = {
        left,
        right,
        leftTruncations: left.log.truncationCount,
        rightTruncations: right.log.truncationCount,
        equalThrough: 0,
        leftLastIndex: -1,
        rightLastIndex: -1,
        leftSnapshotIndex: -1,
        rightSnapshotIndex: -1,
        brokenLast: false,
      };
      this.pairs.set(key, pair);
    }
    return pair;
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
    const same = seen !== undefined && seen.node === node;
    // Most steps commit nothing new: nothing to record, nothing allocated.
    if (same && seen.commitIndex === node.commitIndex) return;
    const from = same ? seen.commitIndex + 1 : node.log.firstIndex;
    for (let index = Math.max(from, node.log.firstIndex); index <= node.commitIndex; index++) {
      const entry = node.log.entryAt(index);
      const known = this.committed.get(index);
      if (known === undefined) {
        const record = { term: entry.term, digest: commandDigest(entry.command), entry, seenInTerm: node.currentTerm };
        this.committed.set(index, record);
        this.checkLateCommit(index, record, nodes, broken);
      } else if (known.entry !== entry) {
        // Entries are immutable and shared between logs and messages: the same object is the same entry.
        const digest = commandDigest(entry.command);
        if (known.term !== entry.term || known.digest !== digest) {
          broken.push(`committed entries differ at index ${index}: term ${known.term} ${known.digest} vs ${node.id}'s term ${entry.term} ${digest}`);
        }
      }
    }
    if (same) seen.commitIndex = node.commitIndex;
    else this.commitSeen.set(node.id, { node, commitIndex: node.commitIndex });
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
    if (this.committed.size <= limits.raftCommittedRememberedMax) return;
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
  private checkLogMatching(pair: PairState, broken: string[]): void {
    const { left, right } = pair;
    // Logs change only by appends (lastIndex), truncations (counted) and compaction (snapshotIndex):
    // when neither log changed since the last check, its result stands.
    const unchanged =
      !pair.brokenLast &&
      pair.leftTruncations === left.log.truncationCount &&
      pair.rightTruncations === right.log.truncationCount &&
      pair.leftLastIndex === left.log.lastIndex &&
      pair.rightLastIndex === right.log.lastIndex &&
      pair.leftSnapshotIndex === left.log.snapshotIndex &&
      pair.rightSnapshotIndex === right.log.snapshotIndex;
    if (unchanged) return;
    pair.leftLastIndex = left.log.lastIndex;
    pair.rightLastIndex = right.log.lastIndex;
    pair.leftSnapshotIndex = left.log.snapshotIndex;
    pair.rightSnapshotIndex = right.log.snapshotIndex;
    pair.brokenLast = false;
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
      if (a === b) continue; // one shared, immutable entry
      if (a.term !== b.term || commandDigest(a.command) !== commandDigest(b.command)) {
        pair.brokenLast = true;
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
