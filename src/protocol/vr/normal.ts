import { assert } from '../../base/assert';
import { type NodeId, type OpNumber, opNumber } from '../../base/ids';
import type { ClientRequest, KvLogCommand } from '../../kv/command';
import { commandDigest } from '../../kv/command';
import type { HlcTimestamp } from '../../kv/hlc';
import { acceptLocalWrite } from '../../kv/localWrites';
import type { CommitMessage, CommitOkMessage, ForwardWritesMessage, PrepareMessage, PrepareOkMessage, VrLogEntry } from './messages';
import { acknowledgeRound, onReadRequest, startRound } from './reads';
import { preparesWaitingMax, uncommittedOpsMax, type VrReplica } from './replica';
import { learnNewerView, maybeCheckpoint, requestState } from './stateTransfer';

/**
 * §4.1 normal operation: Request, Prepare, PrepareOk, Reply, Commit. The primary orders requests
 * in its log and commits an op once f backups hold it; backups execute in op order once they
 * learn the commit-number.
 */

/** A client request routed to this replica. Reads go to reads.ts; writes and cas are logged. */
export function onRequest(replica: VrReplica, request: ClientRequest): void {
  if (replica.status === 'recovering') return replica.reply(request, { type: 'fail', reason: 'recovering' });
  if (request.command.f === 'read') return onReadRequest(replica, request);
  if (request.policy.write === 'local') return serveLocalWrite(replica, request);
  if (!replica.isPrimary()) return replyNotPrimary(replica, request);
  const inFlight = replica.clientTable.get(request.clientId);
  if (inFlight !== undefined && request.sequence <= inFlight.sequence) {
    // §4.1 step 2: an older request is dropped; the same one is already being prepared, so
    // remember whom to answer when it executes.
    if (request.sequence < inFlight.sequence) return replica.ignoreRequest(request,  'older-request');
    if (repliesAfterExecution(request)) replica.pendingReplies.set(inFlight.opNumber, request);
    return replica.ignoreRequest(request,  'duplicate-in-progress');
  }
  const applied = replica.store.appliedResult(request.clientId, request.sequence);
  if (applied !== null) {
    // The store answers `unavailable` only for a sequence older than the session's: drop it.
    if (applied.type === 'fail' && applied.reason === 'unavailable') return replica.ignoreRequest(request,  'older-request');
    // §4.1 step 2: the most recent request, already executed: re-send its reply.
    return replica.reply(request, applied);
  }
  if (replica.log.lastOpNumber - replica.commitNumber >= uncommittedOpsMax) return replica.reply(request, { type: 'fail', reason: 'unavailable' });
  prepare(replica, request);
}

/** §4.1 step 3 for a client request: the primary stamps it (ARCHITECTURE §5) and prepares it. */
function prepare(replica: VrReplica, request: ClientRequest): void {
  const command: KvLogCommand = { clientId: request.clientId, sequence: request.sequence, command: request.command, timestamp: stampAsPrimary(replica) };
  const entry = prepareCommand(replica, command);
  if (repliesAfterExecution(request)) {
    replica.pendingReplies.set(entry.opNumber, request);
  } else {
    // Write ack `leader` (ARCHITECTURE §5): answered on the primary's own append; lost if a view change drops it.
    // Deleted first, so the record stays in op-number order when a view change reused the number.
    replica.acknowledgedAtPrepare.delete(entry.opNumber);
    if (request.command.f === 'write') replica.acknowledgedAtPrepare.set(entry.opNumber, { clientId: request.clientId, sequence: request.sequence });
    replica.reply(request, { type: 'ok' });
  }
  advanceCommitNumber(replica, primaryCommitCandidate(replica));
}

/** §4.1 step 3: advance the op-number, append to the log, and send Prepare to the backups. */
function prepareCommand(replica: VrReplica, command: KvLogCommand): VrLogEntry {
  assert(replica.isPrimary(), 'only the primary prepares');
  const entry = { opNumber: opNumber(replica.log.lastOpNumber + 1), viewNumber: replica.viewNumber, command };
  replica.log.append(entry, true);
  replica.clientTable.set(command.clientId, { sequence: command.sequence, opNumber: entry.opNumber });
  replica.broadcast({ kind: 'Prepare', viewNumber: replica.viewNumber, entry, commitNumber: replica.commitNumber, roundNumber: replica.roundNumber });
  replica.heartbeatDeadlineTick = replica.nowTick + replica.commitIntervalTicks;
  return entry;
}

/** A `cas` always waits for execution (its result is only known then); a write waits unless acked by `leader`. */
function repliesAfterExecution(request: ClientRequest): boolean {
  return request.command.f === 'cas' || request.policy.write === 'quorum';
}

/**
 * The primary's stamp for a write it prepares (ARCHITECTURE §5): from its hybrid logical clock, caught
 * up with everything executed. With `catchUpOnLog` when it becomes primary and `observe` on every
 * forwarded write, it beats every op before it in the log, so quorum and leader writes always
 * win last-writer-wins and CP keeps its meaning.
 */
function stampAsPrimary(replica: VrReplica): HlcTimestamp {
  replica.hlc.catchUp(replica.store.highestTimestamp);
  return replica.hlc.now();
}

/** A new primary's clock takes in the stamps of the ops it holds but has not executed. */
export function catchUpOnLog(replica: VrReplica): void {
  replica.hlc.catchUp(replica.store.highestTimestamp);
  for (const entry of replica.log.entriesAfter(replica.executedOpNumber)) {
    if (entry.command.timestamp !== undefined) replica.hlc.catchUp(entry.command.timestamp);
  }
}

/** Write acknowledgement `local` (ARCHITECTURE §5, AP), in normal or view-change status: the shared machinery accepts it, then it is forwarded to the primary. */
export function serveLocalWrite(replica: VrReplica, request: ClientRequest): void {
  if (acceptLocalWrite(replica, request)) forwardLocalWrites(replica);
}

/** Sends the pending local writes toward the log: prepared here when primary, else to the view's primary. */
export function forwardLocalWrites(replica: VrReplica): void {
  replica.localWrites.settle(replica.store);
  const batch = replica.localWrites.forwardBatch();
  if (batch.length === 0) return;
  if (replica.isPrimary()) return prepareForwarded(replica, batch);
  const primary = replica.leaderHint();
  if (primary === null || primary === replica.id) return; // in a view change: the next timeout retries
  replica.send(primary, { kind: 'ForwardWrites', viewNumber: replica.viewNumber, writes: batch });
}

/** A backup's forwarded local writes reach the primary; any view will do, the stamps carry the order. */
export function onForwardWrites(replica: VrReplica, from: NodeId, message: ForwardWritesMessage): void {
  if (!replica.isPrimary()) return replica.ignore(from, message.kind, replica.status === 'recovering' ? 'recovering' : 'not-primary');
  prepareForwarded(replica, message.writes);
}

/**
 * Prepares each write unless its session executed it or it is already in the log (the client
 * table's in-flight part says so; the forwarder repeats itself until it sees the write executed).
 * The clock observes every stamp (HLC receive rule), so the writes this primary stamps later win.
 */
function prepareForwarded(replica: VrReplica, writes: readonly KvLogCommand[]): void {
  assert(replica.isPrimary(), 'only the primary prepares forwarded writes');
  for (const write of writes) {
    assert(write.timestamp !== undefined, 'a forwarded local write carries its stamp');
    replica.hlc.observe(write.timestamp);
    const inFlight = replica.clientTable.get(write.clientId);
    if (inFlight !== undefined && write.sequence <= inFlight.sequence) continue;
    if (replica.store.appliedResult(write.clientId, write.sequence) !== null) continue;
    // A full window of uncommitted ops: the rest wait for the forwarder's next attempt.
    if (replica.log.lastOpNumber - replica.commitNumber >= uncommittedOpsMax) break;
    prepareCommand(replica, write);
  }
  advanceCommitNumber(replica, primaryCommitCandidate(replica));
}

/** Not the primary of a running view: point the client at the one we know, if any. */
export function replyNotPrimary(replica: VrReplica, request: ClientRequest): void {
  const hint = replica.leaderHint();
  if (hint === null || hint === replica.id) return replica.reply(request, { type: 'fail', reason: 'unavailable' });
  replica.reply(request, { type: 'fail', reason: 'not-leader' });
}

/** §4.1 step 4: a backup takes Prepares in op order and acknowledges with PrepareOk. */
export function onPrepare(replica: VrReplica, from: NodeId, message: PrepareMessage): void {
  if (!acceptFromPrimary(replica, from, message)) return;
  hearFromPrimary(replica, message.roundNumber);
  const op = message.entry.opNumber;
  if (op <= replica.log.lastOpNumber) {
    // Already held (a retransmission or duplicate): acknowledge again, acks are cumulative.
    sendPrepareOk(replica);
  } else if (op > replica.log.lastOpNumber + 1) {
    // §4.1: a backup does not accept op n before it holds every earlier op; keep it for later
    // and fetch the gap (§5.2 state transfer).
    if (replica.preparesWaiting.size < preparesWaitingMax) replica.preparesWaiting.set(op, message);
    requestState(replica, from);
  } else {
    appendFromPrimary(replica, message);
    drainWaitingPrepares(replica);
    sendPrepareOk(replica);
  }
  learnCommitNumber(replica, message.commitNumber);
}

/** Guards shared by Prepare and Commit: a backup in this view hearing from its primary. */
function acceptFromPrimary(replica: VrReplica, from: NodeId, message: PrepareMessage | CommitMessage): boolean {
  if (replica.status === 'recovering') return ignored(replica, from, message, 'recovering');
  if (message.viewNumber < replica.viewNumber) return ignored(replica, from, message, 'older-view');
  if (from !== replica.primaryOf(message.viewNumber)) return ignored(replica, from, message, 'not-from-primary');
  if (message.viewNumber > replica.viewNumber || replica.status === 'view-change') {
    // §4 / §5.2: the sender's view is running and we missed its start: catch up by state transfer.
    learnNewerView(replica, from, message.viewNumber);
  }
  if (replica.isPrimary()) return ignored(replica, from, message, 'not-backup');
  assert(replica.status === 'normal' && replica.viewNumber === message.viewNumber, 'a backup in the sender view');
  return true;
}

function ignored(replica: VrReplica, from: NodeId, message: PrepareMessage | CommitMessage, reason: Parameters<VrReplica['ignore']>[2]): false {
  replica.ignore(from, message.kind, reason);
  return false;
}

/**
 * Every message from the primary resets the view-change timer and renews the lease this backup
 * grants (§6). The grant runs one tick longer than leaseMs: the message may have arrived just
 * before the next tick, and the promise must cover a full leaseMs of this replica's clock.
 */
function hearFromPrimary(replica: VrReplica, roundNumber: number): void {
  replica.resetViewChangeTimer();
  replica.leaseGrantedUntilTick = replica.nowTick + replica.leaseGrantTicks + 1;
  replica.primaryRoundNumber = Math.max(replica.primaryRoundNumber, roundNumber);
}

function appendFromPrimary(replica: VrReplica, message: PrepareMessage): void {
  const entry = message.entry;
  assert(entry.opNumber === replica.log.lastOpNumber + 1, 'prepares are appended in op order');
  replica.log.append(entry);
  const previous = replica.clientTable.get(entry.command.clientId);
  if (previous === undefined || previous.sequence <= entry.command.sequence) {
    replica.clientTable.set(entry.command.clientId, { sequence: entry.command.sequence, opNumber: entry.opNumber });
  }
}

export function drainWaitingPrepares(replica: VrReplica): void {
  for (const op of [...replica.preparesWaiting.keys()]) if (op <= replica.log.lastOpNumber) replica.preparesWaiting.delete(op);
  for (;;) {
    const next = replica.preparesWaiting.get(replica.log.lastOpNumber + 1);
    if (next === undefined || next.viewNumber !== replica.viewNumber) return;
    replica.preparesWaiting.delete(next.entry.opNumber);
    appendFromPrimary(replica, next);
  }
}

export function sendPrepareOk(replica: VrReplica): void {
  const primary = replica.primaryOf(replica.viewNumber);
  if (primary === replica.id || replica.awaitingState) return;
  replica.send(primary, { kind: 'PrepareOk', viewNumber: replica.viewNumber, opNumber: replica.log.lastOpNumber, roundNumber: replica.primaryRoundNumber });
}

/** §4.1 step 5: the primary counts PrepareOks; an op held by f backups (and itself) is committed. */
export function onPrepareOk(replica: VrReplica, from: NodeId, message: PrepareOkMessage): void {
  if (!acceptFromBackup(replica, from, message)) return;
  acknowledgeOps(replica, from, message.opNumber);
  acknowledgeRound(replica, from, message.roundNumber);
}

/** The primary hears a backup's answer to Commit: a confirmation round ack plus a cumulative PrepareOk. */
export function onCommitOk(replica: VrReplica, from: NodeId, message: CommitOkMessage): void {
  if (!acceptFromBackup(replica, from, message)) return;
  acknowledgeOps(replica, from, message.opNumber);
  acknowledgeRound(replica, from, message.roundNumber);
}

function acceptFromBackup(replica: VrReplica, from: NodeId, message: PrepareOkMessage | CommitOkMessage): boolean {
  const reason =
    replica.status === 'recovering' ? 'recovering'
    : message.viewNumber < replica.viewNumber ? 'older-view'
    : message.viewNumber > replica.viewNumber ? 'newer-view'
    : !replica.isPrimary() ? 'not-primary'
    : null;
  if (reason === null) return true;
  replica.ignore(from, message.kind, reason);
  return false;
}

function acknowledgeOps(replica: VrReplica, from: NodeId, op: OpNumber): void {
  // Only VR's own unsafe switch (a primary that starts a view with its own log) can make this happen.
  assert(op <= replica.log.lastOpNumber || replica.unsafe.has('startViewWithOwnLog'), () => `${from} acknowledged op ${op} beyond the primary's ${replica.log.lastOpNumber}`);
  const previous = replica.acknowledgedOpNumber.get(from) ?? 0;
  if (op > previous) replica.acknowledgedOpNumber.set(from, Math.min(op, replica.log.lastOpNumber));
  advanceCommitNumber(replica, primaryCommitCandidate(replica));
}

/** The highest op held by the primary and at least f backups. */
function primaryCommitCandidate(replica: VrReplica): number {
  const needed = replica.quorum - 1;
  if (needed === 0) return replica.log.lastOpNumber;
  const acknowledged = [...replica.acknowledgedOpNumber.values()].sort((a, b) => b - a);
  return Math.min(acknowledged[needed - 1] ?? 0, replica.log.lastOpNumber);
}

/** §4.1 step 6: a backup learns the commit-number; ops it does not hold yet are fetched first. */
export function learnCommitNumber(replica: VrReplica, commitNumber: number): void {
  advanceCommitNumber(replica, Math.min(commitNumber, replica.log.lastOpNumber));
  if (commitNumber > replica.log.lastOpNumber) requestState(replica, replica.primaryOf(replica.viewNumber));
}

/** Raises the commit-number (never lowers it) and executes up to it. */
export function advanceCommitNumber(replica: VrReplica, commitNumber: number): void {
  assert(commitNumber <= replica.log.lastOpNumber, () => `commit-number ${commitNumber} beyond op-number ${replica.log.lastOpNumber}`);
  if (commitNumber > replica.commitNumber) {
    replica.commitNumber = opNumber(commitNumber);
    replica.observe({ kind: 'commit', commitIndex: commitNumber });
  }
  executeCommitted(replica);
}

/** §4.1 steps 5 and 7: execute committed ops in order; the primary answers its clients. */
export function executeCommitted(replica: VrReplica): void {
  while (replica.executedOpNumber < replica.commitNumber) {
    const op = replica.executedOpNumber + 1;
    const entry = replica.log.entry(op);
    const result = replica.store.apply(entry.command);
    replica.executedOpNumber = opNumber(op);
    replica.observe({ kind: 'apply', index: op, term: entry.viewNumber, digest: commandDigest(entry.command) });
    const inFlight = replica.clientTable.get(entry.command.clientId);
    if (inFlight !== undefined && inFlight.opNumber === op) replica.clientTable.delete(entry.command.clientId);
    const request = replica.pendingReplies.get(op);
    if (request !== undefined) {
      replica.pendingReplies.delete(op);
      if (replica.isPrimary()) replica.reply(request, result);
    }
    maybeCheckpoint(replica);
  }
}

/** §4.1 step 6: a backup hears the commit-number from an idle primary, and answers (reads.ts rounds). */
export function onCommit(replica: VrReplica, from: NodeId, message: CommitMessage): void {
  if (!acceptFromPrimary(replica, from, message)) return;
  hearFromPrimary(replica, message.roundNumber);
  // A replica still fetching the view's log does not vouch for the view (see becomeBackup).
  if (!replica.awaitingState) replica.send(from, { kind: 'CommitOk', viewNumber: replica.viewNumber, roundNumber: message.roundNumber, opNumber: replica.log.lastOpNumber });
  learnCommitNumber(replica, message.commitNumber);
}

/**
 * §4.1 step 6: an idle primary sends Commit (which also starts a confirmation round). Backups
 * that have not acknowledged every op get the next Prepare again: the paper leaves
 * retransmission to the implementation, and a lost Prepare or PrepareOk must not stall commits.
 * One Prepare per heartbeat is a repair, not how a backup far behind catches up: that backup
 * fetches the rest itself by state transfer (§5.2), one NewState for up to
 * `stateTransferEntriesMax` ops, as soon as a Prepare shows it a gap or a Commit a
 * commit-number beyond its log.
 */
export function onHeartbeatTimeout(replica: VrReplica): void {
  assert(replica.isPrimary(), 'only the primary sends heartbeats');
  startRound(replica);
  for (const [backup, acknowledged] of replica.acknowledgedOpNumber) {
    const next = acknowledged + 1;
    if (next > replica.log.lastOpNumber || !replica.log.has(next)) continue;
    replica.send(backup, { kind: 'Prepare', viewNumber: replica.viewNumber, entry: replica.log.entry(next), commitNumber: replica.commitNumber, roundNumber: replica.roundNumber });
  }
}
