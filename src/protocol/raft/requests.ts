import { assertNever } from '../../base/assert';
import type { ClientRequest, KvResult } from '../../kv/command';
import type { RaftEntry } from './messages';
import type { RaftNode } from './node';
import { leaseIsValid, startLinearizableRead } from './reads';
import { broadcastAppend } from './replication';

/**
 * A client request (§8, "Client interaction"), served under the consistency policy it carries
 * (DESIGN §5). Whatever this replica cannot serve is answered `not-leader` with a leader hint.
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
      // Any replica's applied state: may be stale, never blocks.
      return node.reply(request, { type: 'ok', value: node.store.read(key) });
    case 'leader':
      // The leader's applied state without confirming leadership: a deposed leader serves stale reads.
      if (node.role !== 'leader') return notLeader(node, request);
      return node.reply(request, { type: 'ok', value: node.store.read(key) });
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
  const index = waiting ?? node.appendLocal({ clientId: request.clientId, sequence: request.sequence, command: request.command });
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
 * Write ack `local` (AP mode: any replica accepts with a hybrid-logical-clock timestamp and merges
 * last-writer-wins later, DESIGN §5) belongs to a later issue. Until then it is refused honestly.
 */
export function acceptLocalWrite(node: RaftNode, request: ClientRequest): void {
  node.reply(request, { type: 'fail', reason: 'unavailable' });
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
