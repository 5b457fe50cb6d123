import { limits } from '../../base/limits';
import { assert } from '../../base/assert';
import { logIndex, term, type LogIndex, type NodeId, type Term } from '../../base/ids';
import { commandDigest } from '../../kv/command';
import type { RaftLog } from './log';
import type { RaftEntry, RaftMessage } from './messages';
import type { RaftNode } from './node';
import { becomeProbe, becomeReplicate, becomeSnapshot, type Progress } from './progress';
import { onRoundAcknowledged } from './reads';
import { completeWrite } from './requests';

type MessageOf<Kind extends RaftMessage['kind']> = Extract<RaftMessage, { kind: Kind }>;

/** Heartbeats after which an unanswered InstallSnapshot is sent again. */
export const snapshotResendHeartbeats = 4;

/** §5.3: the leader sends each follower what it lacks; used after appends and on election. */
export function broadcastAppend(node: RaftNode): void {
  for (const peer of node.peers) sendAppend(node, peer);
}

/**
 * One broadcast round: every follower gets either a pending append (probing followers) or an empty
 * AppendEntries, the heartbeat of §5.2. Its replies confirm leadership for ReadIndex and leases (§8).
 */
export function broadcastRound(node: RaftNode): void {
  assert(node.role === 'leader', 'raft: only a leader broadcasts');
  node.round++;
  node.reads.noteRoundSent(node.round, node.tickCount);
  for (const peer of node.peers) {
    const progress = peerProgress(node, peer);
    recoverStalledProgress(progress);
    if (progress.state === 'probe' && sendAppend(node, peer)) continue;
    sendHeartbeat(node, peer, progress);
  }
  if (node.peers.length === 0) onRoundAcknowledged(node);
}

/** Lost appends leave a follower without progress for a whole heartbeat interval: probe again (etcd's flow control). */
function recoverStalledProgress(progress: Progress): void {
  if (progress.state === 'probe') progress.paused = false;
  if (progress.state === 'replicate' && progress.matchIndex < progress.nextIndex - 1) {
    if (progress.matchIndex === progress.matchIndexAtLastHeartbeat) becomeProbe(progress);
  }
  if (progress.state === 'snapshot' && ++progress.heartbeatsSinceSnapshot >= snapshotResendHeartbeats) becomeProbe(progress);
  progress.matchIndexAtLastHeartbeat = progress.matchIndex;
}

function sendHeartbeat(node: RaftNode, peer: NodeId, progress: Progress): void {
  // Anchored at the follower's known match, so the consistency check passes and commit
  // never runs ahead of what the follower holds (Figure 2: min(leaderCommit, index of last new entry)).
  let prevLogIndex = progress.matchIndex;
  let prevLogTerm = node.log.termAt(prevLogIndex);
  if (prevLogTerm === null) {
    prevLogIndex = node.log.snapshotIndex;
    prevLogTerm = node.log.snapshotTerm;
  }
  node.send(peer, {
    kind: 'AppendEntries',
    term: node.currentTerm,
    leaderId: node.id,
    prevLogIndex,
    prevLogTerm,
    entries: [],
    leaderCommit: logIndex(Math.min(node.commitIndex, prevLogIndex)),
    round: node.round,
  });
}

/**
 * Sends the follower the entries from its nextIndex (§5.3), pipelined in replicate state (several
 * messages without waiting), one probe at a time otherwise; an InstallSnapshot when the entries it
 * needs were compacted (§7). Returns whether anything was sent.
 */
export function sendAppend(node: RaftNode, peer: NodeId): boolean {
  const progress = peerProgress(node, peer);
  if (progress.state === 'snapshot' || (progress.state === 'probe' && progress.paused)) return false;
  let sent = false;
  const windowEntries = node.settings.maxEntriesPerAppend * limits.appendsInFlightMax;
  for (;;) {
    const prevLogIndex = logIndex(progress.nextIndex - 1);
    const prevLogTerm = node.log.termAt(prevLogIndex);
    if (prevLogTerm === null) return sendSnapshot(node, peer, progress);
    const last = Math.min(node.log.lastIndex, prevLogIndex + node.settings.maxEntriesPerAppend);
    const entries = node.log.slice(prevLogIndex + 1, last);
    if (progress.state === 'replicate') {
      if (entries.length === 0) return sent;
      if (prevLogIndex - progress.matchIndex >= windowEntries) return sent;
    }
    node.send(peer, {
      kind: 'AppendEntries',
      term: node.currentTerm,
      leaderId: node.id,
      prevLogIndex,
      prevLogTerm,
      entries,
      leaderCommit: node.commitIndex,
      round: node.round,
    });
    sent = true;
    if (progress.state === 'probe') {
      progress.paused = true;
      return true;
    }
    progress.nextIndex = logIndex(last + 1);
  }
}

function sendSnapshot(node: RaftNode, peer: NodeId, progress: Progress): boolean {
  const snapshot = node.snapshot;
  assert(snapshot !== null && snapshot.index === node.log.snapshotIndex, 'raft: a compacted log has its snapshot');
  becomeSnapshot(progress, snapshot.index);
  node.send(peer, { kind: 'InstallSnapshot', term: node.currentTerm, leaderId: node.id, snapshot, round: node.round });
  return true;
}

function peerProgress(node: RaftNode, peer: NodeId): Progress {
  const progress = node.progress.get(peer);
  assert(progress !== undefined, `raft: leader ${node.id} tracks no progress for ${peer}`);
  return progress;
}

/** Figure 2, AppendEntries receiver, steps 2–5. The term was normalised by `step`. */
export function onAppendEntries(node: RaftNode, from: NodeId, message: MessageOf<'AppendEntries'>): void {
  if (node.role === 'leader') return onSplitLeadership(node, from, message);
  // §5.2: "If the AppendEntries RPC is from a leader whose term is at least as large as the candidate's
  // current term, then the candidate recognizes the leader as legitimate and returns to follower state."
  if (node.role !== 'follower') node.becomeFollower(node.currentTerm, from);
  node.learnLeader(from);
  node.electionElapsed = 0;
  // Entries up to commitIndex are committed, so they match the leader's; say so and let it move on.
  if (message.prevLogIndex < node.commitIndex) return sendAppendAccepted(node, from, message, node.commitIndex);
  // Step 2: "Reply false if log doesn't contain an entry at prevLogIndex whose term matches prevLogTerm."
  if (!node.log.matches(message.prevLogIndex, message.prevLogTerm)) {
    const conflictIndex = findConflictByTerm(node.log, Math.min(message.prevLogIndex, node.log.lastIndex), message.prevLogTerm);
    const conflictTerm = node.log.termAt(conflictIndex) ?? term(0);
    return node.send(from, {
      kind: 'AppendEntriesReply',
      term: node.currentTerm,
      success: false,
      matchIndex: logIndex(0),
      rejectedIndex: message.prevLogIndex,
      conflictIndex,
      conflictTerm,
      round: message.round,
    });
  }
  // Steps 3–4: cut a conflicting suffix and append what is new; never below commitIndex.
  const lowestTouched = firstMismatch(node.log, message.entries);
  const overwritesCommitted = lowestTouched !== null && lowestTouched <= node.commitIndex;
  assert(!overwritesCommitted || !node.safetyAssumed, () => `raft: ${node.id} would overwrite committed index ${lowestTouched}`);
  const written = node.log.mergeEntries(message.entries);
  if (written.length > 0) node.persist({ kind: 'append', entries: written });
  const lastNewIndex = logIndex(message.prevLogIndex + message.entries.length);
  // Step 5: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry)."
  if (message.leaderCommit > node.commitIndex) commitTo(node, logIndex(Math.min(message.leaderCommit, lastNewIndex)));
  sendAppendAccepted(node, from, message, lastNewIndex);
}

/** The index of the first entry the log does not already hold (with that term), or null when it holds them all. */
function firstMismatch(log: RaftLog, entries: readonly RaftEntry[]): LogIndex | null {
  for (const entry of entries) if (!log.matches(entry.index, entry.term)) return entry.index;
  return null;
}

/** A successful AppendEntries reply; every reply is built with the same fields in the same order. */
function sendAppendAccepted(node: RaftNode, to: NodeId, message: MessageOf<'AppendEntries'>, matchIndex: LogIndex): void {
  node.send(to, {
    kind: 'AppendEntriesReply',
    term: node.currentTerm,
    success: true,
    matchIndex,
    rejectedIndex: logIndex(0),
    conflictIndex: logIndex(0),
    conflictTerm: term(0),
    round: message.round,
  });
}

/**
 * Two leaders in one term break Election Safety: impossible unless an unsafe switch allowed a second
 * vote (replyBeforePersist) — then the message is dropped and the cluster checker reports it.
 */
function onSplitLeadership(node: RaftNode, from: NodeId, message: RaftMessage): void {
  assert(!node.safetyAssumed, () => `raft: two leaders in term ${node.currentTerm} (${node.id} and ${from})`);
  node.ignore(message, from, 'split-leadership');
}

/**
 * Fast backtracking (§5.3, "the follower can include the term of the conflicting entry and the
 * first index it stores for that term"), as etcd does it: the largest index at or below `index`
 * whose term is at most `maximumTerm`. Every entry above it can be skipped in one step.
 */
export function findConflictByTerm(log: RaftLog, index: number, maximumTerm: Term): LogIndex {
  let candidate = index;
  while (candidate > log.snapshotIndex) {
    const candidateTerm = log.termAt(candidate);
    if (candidateTerm !== null && candidateTerm <= maximumTerm) break;
    candidate--;
  }
  return logIndex(Math.max(candidate, log.snapshotIndex));
}

/** Figure 2, leaders: on success update matchIndex/nextIndex; on failure move nextIndex back and retry. */
export function onAppendEntriesReply(node: RaftNode, from: NodeId, message: MessageOf<'AppendEntriesReply'>): void {
  if (node.role !== 'leader') return node.ignore(message, from, 'not-leader');
  const progress = peerProgress(node, from);
  progress.recentActive = true;
  progress.acknowledgedRound = Math.max(progress.acknowledgedRound, message.round);
  if (message.success) {
    // A follower answers with its commitIndex when the append is already covered; Leader Completeness
    // keeps that within our log, and the clamp keeps it there when an unsafe switch broke that property.
    const matchIndex = logIndex(Math.min(message.matchIndex, node.log.lastIndex));
    if (matchIndex > progress.matchIndex) {
      progress.matchIndex = matchIndex;
      if (progress.state === 'probe') becomeReplicate(progress);
      else if (progress.state === 'snapshot' && progress.matchIndex >= progress.pendingSnapshotIndex) becomeReplicate(progress);
      progress.nextIndex = logIndex(Math.max(progress.nextIndex, progress.matchIndex + 1));
      maybeCommit(node);
    } else if (progress.state === 'probe') {
      progress.paused = false;
    }
  } else if (!backtrack(node, progress, message)) {
    node.ignore(message, from, 'stale-reply');
  }
  onRoundAcknowledged(node);
  if (node.role === 'leader') sendAppend(node, from);
}

/** Moves nextIndex back after a rejection; false when the rejection is stale (it answers an older append). */
function backtrack(node: RaftNode, progress: Progress, message: MessageOf<'AppendEntriesReply'>): boolean {
  if (message.rejectedIndex <= progress.matchIndex) return false;
  if (progress.state === 'probe' && message.rejectedIndex !== progress.nextIndex - 1) return false;
  if (progress.state === 'snapshot') return false;
  // Skip by term: the leader's own last index at or below the hint with a term ≤ the follower's term there.
  const leaderHint = message.conflictTerm > 0 ? findConflictByTerm(node.log, message.conflictIndex, message.conflictTerm) : message.conflictIndex;
  const probeFrom = Math.max(Math.min(message.rejectedIndex, leaderHint + 1), progress.matchIndex + 1);
  becomeProbe(progress);
  progress.nextIndex = logIndex(probeFrom);
  return true;
}

/** §7 InstallSnapshot receiver: replace state with the snapshot unless it is already covered. */
export function onInstallSnapshot(node: RaftNode, from: NodeId, message: MessageOf<'InstallSnapshot'>): void {
  if (node.role === 'leader') return onSplitLeadership(node, from, message);
  if (node.role !== 'follower') node.becomeFollower(node.currentTerm, from);
  node.learnLeader(from);
  node.electionElapsed = 0;
  const snapshot = message.snapshot;
  if (snapshot.index > node.commitIndex) installSnapshot(node, snapshot);
  node.send(from, { kind: 'InstallSnapshotReply', term: node.currentTerm, matchIndex: node.commitIndex, round: message.round });
}

function installSnapshot(node: RaftNode, snapshot: MessageOf<'InstallSnapshot'>['snapshot']): void {
  node.log.installSnapshot(snapshot.index, snapshot.term);
  node.installStateMachine(snapshot);
  node.persist({ kind: 'snapshot', snapshot });
  node.observe({ kind: 'snapshot', index: snapshot.index });
  node.observe({ kind: 'commit', commitIndex: node.commitIndex });
}

export function onInstallSnapshotReply(node: RaftNode, from: NodeId, message: MessageOf<'InstallSnapshotReply'>): void {
  if (node.role !== 'leader') return node.ignore(message, from, 'not-leader');
  const progress = peerProgress(node, from);
  progress.recentActive = true;
  progress.acknowledgedRound = Math.max(progress.acknowledgedRound, message.round);
  const matchIndex = logIndex(Math.min(message.matchIndex, node.log.lastIndex));
  if (matchIndex > progress.matchIndex) progress.matchIndex = matchIndex;
  becomeReplicate(progress);
  maybeCommit(node);
  onRoundAcknowledged(node);
  if (node.role === 'leader') sendAppend(node, from);
}

/** maybeCommit runs on every successful append reply; it sorts in this one array instead of a new one each time. */
const matchIndexScratch: number[] = [];
const descending = (a: number, b: number): number => b - a;

/**
 * Figure 2, leaders: "If there exists an N such that N > commitIndex, a majority of matchIndex[i] ≥ N,
 * and log[N].term == currentTerm: set commitIndex = N." §5.4.2: never commit an older term's entry by
 * counting replicas — unless the unsafe switch `commitPriorTermByCount` is on (Figure 8).
 */
export function maybeCommit(node: RaftNode): void {
  const matches = matchIndexScratch;
  matches.length = 0;
  matches.push(node.log.lastIndex);
  for (const progress of node.progress.values()) matches.push(progress.matchIndex);
  matches.sort(descending);
  const majorityIndex = logIndex(matches[node.quorum - 1] ?? 0);
  if (majorityIndex <= node.commitIndex) return;
  const currentTermOnly = !node.unsafe.has('commitPriorTermByCount');
  if (currentTermOnly && node.log.termAt(majorityIndex) !== node.currentTerm) return;
  commitTo(node, majorityIndex);
}

/** Moves commitIndex forward and applies what became committed (Figure 2: "If commitIndex > lastApplied …"). */
export function commitTo(node: RaftNode, index: LogIndex): void {
  if (index <= node.commitIndex) return;
  assert(index <= node.log.lastIndex, `raft: commit ${index} beyond last index ${node.log.lastIndex}`);
  node.commitIndex = index;
  node.observe({ kind: 'commit', commitIndex: index });
  applyCommitted(node);
}

/** Applies committed entries in order, answers the clients waiting on them, and compacts (§7). */
function applyCommitted(node: RaftNode): void {
  while (node.lastApplied < node.commitIndex) {
    const index = logIndex(node.lastApplied + 1);
    const entry = node.log.entryAt(index);
    const result = entry.command === null ? null : node.store.apply(entry.command);
    node.lastApplied = index;
    node.observe({ kind: 'apply', index, term: entry.term, digest: commandDigest(entry.command) });
    completeWrite(node, entry, result);
    if (node.lastApplied - node.log.snapshotIndex >= node.settings.snapshotEveryEntries) node.takeSnapshot();
  }
  onRoundAcknowledged(node);
}
