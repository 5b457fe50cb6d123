import { assert, assertNever } from '../../base/assert';
import type { NodeId } from '../../base/ids';
import type { ClientRequest, KvLogCommand, KvResult } from '../../kv/command';
import type { HlcTimestamp } from '../../kv/hlc';
import { acceptLocalWrite as acceptLocalWriteShared } from '../../kv/localWrites';
import type { RaftEntry, RaftMessage } from './messages';
import type { RaftNode } from './node';
import { leaderValue, leaseIsValid, sessionHost, startLinearizableRead } from './reads';
import { isSyncStep, serveMajorityRead, startSessionRead } from '../sessionReads';
import { broadcastAppend } from './replication';

/**
 * A client request (§8, "Client interaction"), served under the consistency policy it carries
 * (ARCHITECTURE §5). Whatever this replica cannot serve is answered `not-leader` with a leader hint.
 */
export function serveRequest(node: RaftNode, request: ClientRequest): void {
  const command = request.command;
  switch (command.f) {
    case 'read':
      return serveRead(node, request, command.key);
    case 'write':
    case 'cas':
      return serveWrite(node, request);
    default:
      return assertNever(command, 'kv command');
  }
}

function serveRead(node: RaftNode, request: ClientRequest, key: string): void {
  const path = request.policy.read;
  switch (path) {
    case 'local':
      // Any replica's local view (applied state and its own pending local writes): may be stale, never blocks.
      node.localWrites.settle(node.store);
      return node.reply(request, { type: 'ok', value: node.localWrites.read(key, node.store) });
    case 'leader':
      // The leader's applied state without confirming leadership: a deposed leader serves stale reads.
      if (node.role !== 'leader') return notLeader(node, request);
      return node.reply(request, { type: 'ok', value: leaderValue(node, key) });
    case 'session':
      return startSessionRead(sessionHost(node), request, key);
    case 'majority':
      return serveMajorityRead(sessionHost(node), request, key);
    case 'sync':
      // The sync step is confirmed as a ReadIndex read on the leader; the read after it waits on any node.
      if (!isSyncStep(request)) return startSessionRead(sessionHost(node), request, key);
      if (node.role !== 'leader') return notLeader(node, request);
      return startLinearizableRead(node, request, key);
    case 'lease':
      if (node.role !== 'leader') return notLeader(node, request);
      if (leaseIsValid(node)) return node.reply(request, { type: 'ok', value: node.store.read(key) });
      // No running lease (new leader, or a majority went quiet): fall back to ReadIndex, still linearizable.
      return startLinearizableRead(node, request, key);
    case 'linearizable':
      if (node.role !== 'leader') return notLeader(node, request);
      return startLinearizableRead(node, request, key);
    default:
      return assertNever(path, 'read path');
  }
}

function serveWrite(node: RaftNode, request: ClientRequest): void {
  const ack = request.policy.write;
  if (ack === 'local') return acceptLocalWrite(node, request);
  if (node.role !== 'leader') return notLeader(node, request);
  // §8: sessions make a retried (clientId, sequence) take effect once; answer from the session if applied …
  const applied = node.store.appliedResult(request.clientId, request.sequence);
  if (applied !== null) return node.reply(request, applied);
  // … and do not append it twice if it is already in the log, waiting to commit.
  const waiting = findPendingIndex(node, request);
  const index = waiting ?? node.appendLocal({ clientId: request.clientId, sequence: request.sequence, command: request.command, timestamp: stampAsLeader(node) });
  // Write ack `leader` answers right after the local append and its persist record (same Ready batch,
  // so the host makes it durable first), before commit: a deposed leader's acknowledged write can be lost.
  // A `cas` always waits for apply: its result (ok or cas-mismatch) is only known then.
  const acknowledgeNow = ack === 'leader' && request.command.f === 'write';
  if (acknowledgeNow) node.reply(request, { type: 'ok' });
  if (node.lastApplied < index) node.pendingWrites.set(index, { request, acknowledged: acknowledgeNow });
  if (waiting === null) broadcastAppend(node);
}

/** The index of an entry already in the log for the same (client, sequence), if any. */
function findPendingIndex(node: RaftNode, request: ClientRequest): number | null {
  for (const [index, pending] of node.pendingWrites) {
    const same = pending.request.clientId === request.clientId && pending.request.sequence === request.sequence;
    if (same && index > node.log.snapshotIndex && index <= node.log.lastIndex) {
      const entry = node.log.entryAt(index);
      if (entry.command?.clientId === request.clientId && entry.command.sequence === request.sequence) return index;
    }
  }
  return null;
}

/**
 * The leader's stamp for a write it appends (ARCHITECTURE §5): from its hybrid logical clock, first
 * caught up with everything applied. With `catchUpOnLog` at election and `observe` on every
 * forwarded write, it is greater than the stamp of every entry before it in the log, so a quorum
 * or leader write always wins last-writer-wins and CP keeps its meaning.
 */
function stampAsLeader(node: RaftNode): HlcTimestamp {
  node.hlc.catchUp(node.store.highestTimestamp);
  return node.hlc.now();
}

/** A new leader's clock takes in the stamps of the entries it holds but has not applied. */
export function catchUpOnLog(node: RaftNode): void {
  node.hlc.catchUp(node.store.highestTimestamp);
  const first = Math.max(node.lastApplied, node.log.snapshotIndex) + 1;
  for (const entry of node.log.slice(first, node.log.lastIndex)) {
    if (entry.command?.timestamp !== undefined) node.hlc.catchUp(entry.command.timestamp);
  }
}

/** Write ack `local` (ARCHITECTURE §5, AP): the shared machinery accepts it here, then it is forwarded into the log. */
export function acceptLocalWrite(node: RaftNode, request: ClientRequest): void {
  if (acceptLocalWriteShared(node, request)) forwardLocalWrites(node);
}

/** Sends the pending local writes toward the log: appended here when leading, else to the believed leader. */
export function forwardLocalWrites(node: RaftNode): void {
  node.localWrites.settle(node.store);
  const batch = node.localWrites.forwardBatch();
  if (batch.length === 0) return;
  if (node.role === 'leader') return appendForwarded(node, batch);
  if (node.leaderId === null || node.leaderId === node.id) return; // no leader known: the next timeout retries
  node.send(node.leaderId, { kind: 'ForwardWrites', term: node.currentTerm, writes: batch });
}

type ForwardWritesMessage = Extract<RaftMessage, { kind: 'ForwardWrites' }>;

/** A follower's forwarded local writes reach the leader: appended once each, with their own stamps. */
export function onForwardWrites(node: RaftNode, from: NodeId, message: ForwardWritesMessage): void {
  if (node.role !== 'leader') return node.ignore(message, from, 'not-leader');
  appendForwarded(node, message.writes);
}

/**
 * Appends each write unless its session already applied it or it already waits in the log (the
 * forwarder repeats itself until it sees the write applied). The clock observes every stamp
 * (HLC receive rule), so the writes this leader stamps later win over them.
 */
function appendForwarded(node: RaftNode, writes: readonly KvLogCommand[]): void {
  assert(node.role === 'leader', 'raft: only the leader appends forwarded writes');
  const waiting = new Set<string>();
  const first = Math.max(node.lastApplied, node.log.snapshotIndex) + 1;
  for (const entry of node.log.slice(first, node.log.lastIndex)) {
    if (entry.command !== null) waiting.add(`${entry.command.clientId}#${entry.command.sequence}`);
  }
  let appended = false;
  for (const write of writes) {
    assert(write.timestamp !== undefined, 'raft: a forwarded local write carries its stamp');
    node.hlc.observe(write.timestamp);
    const session = `${write.clientId}#${write.sequence}`;
    if (waiting.has(session) || node.store.appliedResult(write.clientId, write.sequence) !== null) continue;
    waiting.add(session);
    node.appendLocal(write);
    appended = true;
  }
  if (appended) broadcastAppend(node);
}

function notLeader(node: RaftNode, request: ClientRequest): void {
  node.reply(request, { type: 'fail', reason: 'not-leader' });
}

/**
 * Called for every applied entry: answers the client waiting on that index. If a different entry
 * was committed there, the request lost its place; it is left unanswered (the client times out and
 * records `info`), because a retry elsewhere may still apply it and a `fail` would then be a lie.
 */
export function completeWrite(node: RaftNode, entry: RaftEntry, result: KvResult | null): void {
  const pending = node.pendingWrites.get(entry.index);
  if (pending === undefined) return;
  node.pendingWrites.delete(entry.index);
  const command = entry.command;
  const same = command !== null && command.clientId === pending.request.clientId && command.sequence === pending.request.sequence;
  if (!same || pending.acknowledged || result === null) return;
  node.reply(pending.request, result);
}
