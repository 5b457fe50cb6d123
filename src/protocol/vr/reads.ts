import { assert, assertNever } from '../../base/assert';
import type { NodeId } from '../../base/ids';
import type { ClientRequest, FailReason } from '../../kv/command';
import { replyNotPrimary } from './normal';
import { pendingReadsMax, type VrReplica } from './replica';
import { type SessionReadHost, isSyncStep, serveMajorityRead, serveSessionReads, startSessionRead } from '../sessionReads';

/**
 * The read paths of ARCHITECTURE §5 on a VR replica. Reads are not logged:
 * - `linearizable`: the primary notes its op-number, confirms it is still primary with a
 *   round acknowledged by f backups (a Commit broadcast answered by CommitOk, as Raft's
 *   ReadIndex), then serves once it has executed up to that op-number;
 * - `lease` (§6): the primary serves at once while it holds a lease that f backups granted
 *   (they promise not to join a view change while it runs), shortened by the clock-drift bound;
 * - `leader`: the primary's executed state, no confirmation;
 * - `local`: any replica's executed state;
 * - `session`, `majority`, `sync`: the shared paths of protocol/sessionReads.ts, positions being op-numbers
 *   (a sync step is confirmed as a linearizable read on the primary).
 */

/** A read waiting on the primary for its confirmation round and for execution to catch up. */
export interface PendingRead {
  readonly request: ClientRequest;
  /** The op-number when the read arrived: everything acknowledged before it is at or below. */
  readonly readOpNumber: number;
  /** The first round started after the read arrived; its quorum proves primacy after arrival. */
  readonly roundNumber: number;
}

export function onReadRequest(replica: VrReplica, request: ClientRequest): void {
  assert(request.command.f === 'read', 'a read request');
  const path = request.policy.read;
  switch (path) {
    case 'local':
      return serveLocalRead(replica, request);
    case 'leader':
      if (!replica.isPrimary()) return replyNotPrimary(replica, request);
      return replica.reply(request, { type: 'ok', value: primaryValue(replica, request.command.key) });
    case 'lease':
      if (!replica.isPrimary()) return replyNotPrimary(replica, request);
      // Until every op from earlier views is committed, the executed state may lack an
      // acknowledged write; and without a lease the read needs a round anyway.
      if (holdsLease(replica) && replica.commitNumber >= replica.viewStartOpNumber) return serveRead(replica, request);
      return queueRead(replica, request);
    case 'linearizable':
      if (!replica.isPrimary()) return replyNotPrimary(replica, request);
      return queueRead(replica, request);
    case 'session':
      return startSessionRead(sessionHost(replica), request, request.command.key);
    case 'majority':
      return serveMajorityRead(sessionHost(replica), request, request.command.key);
    case 'sync':
      if (!isSyncStep(request)) return startSessionRead(sessionHost(replica), request, request.command.key);
      if (!replica.isPrimary()) return replyNotPrimary(replica, request);
      return queueRead(replica, request);
    default:
      return assertNever(path, 'read path');
  }
}

/**
 * The `leader` read path's value: the primary's executed state with the writes it acknowledged at
 * prepare (write ack `leader`, MongoDB w:1) over it, highest op-number last — as Raft's leaderValue
 * (raft/reads.ts): MongoDB's primary applies a w:1 write when it writes its oplog entry. An op that
 * executed, or that a view change took out of the log, is dropped from the record here.
 */
export function primaryValue(replica: VrReplica, key: string): string | null {
  let value = replica.store.read(key);
  for (const [op, write] of replica.acknowledgedAtPrepare) {
    if (op <= replica.executedOpNumber || op > replica.log.lastOpNumber) {
      replica.acknowledgedAtPrepare.delete(op);
      continue;
    }
    const entry = replica.log.entry(op).command;
    if (entry.clientId !== write.clientId || entry.sequence !== write.sequence) {
      replica.acknowledgedAtPrepare.delete(op);
      continue;
    }
    if (entry.command.f === 'write' && entry.command.key === key) value = entry.command.value;
  }
  return value;
}

function serveRead(replica: VrReplica, request: ClientRequest): void {
  assert(request.command.f === 'read', 'a read request');
  replica.reply(request, { type: 'ok', value: replica.store.read(request.command.key) });
}

/** Any replica's local view: executed state with its own pending local writes over it (ARCHITECTURE §5). */
function serveLocalRead(replica: VrReplica, request: ClientRequest): void {
  assert(request.command.f === 'read', 'a read request');
  replica.localWrites.settle(replica.store);
  replica.reply(request, { type: 'ok', value: replica.localWrites.read(request.command.key, replica.store) });
}

function queueRead(replica: VrReplica, request: ClientRequest): void {
  if (replica.pendingReads.length >= pendingReadsMax) return replica.reply(request, { type: 'fail', reason: 'unavailable' });
  replica.pendingReads.push({ request, readOpNumber: replica.log.lastOpNumber, roundNumber: replica.roundNumber + 1 });
  if (replica.quorum === 1) startRound(replica);
}

/** §6: the primary may serve from its own state while the lease granted by f backups runs. */
export function holdsLease(replica: VrReplica): boolean {
  return replica.isPrimary() && replica.nowTick < replica.leaseExpiresTick;
}

/** Starts a confirmation round: a Commit to every backup, remembered with its start tick. */
export function startRound(replica: VrReplica): void {
  assert(replica.isPrimary(), 'only the primary starts rounds');
  replica.roundNumber++;
  replica.roundSentTick.set(replica.roundNumber, replica.nowTick);
  replica.broadcast({ kind: 'Commit', viewNumber: replica.viewNumber, commitNumber: replica.commitNumber, roundNumber: replica.roundNumber });
  replica.heartbeatDeadlineTick = replica.nowTick + replica.commitIntervalTicks;
  if (replica.quorum === 1) confirmRound(replica, replica.roundNumber);
}

/** A backup (still in this view) acknowledged every round up to `roundNumber`. */
export function acknowledgeRound(replica: VrReplica, from: NodeId, roundNumber: number): void {
  // A round this primary never started cannot confirm anything (acks are checked, not trusted).
  if (roundNumber > replica.roundNumber) return;
  if (roundNumber <= (replica.acknowledgedRound.get(from) ?? 0)) return;
  replica.acknowledgedRound.set(from, roundNumber);
  const rounds = [...replica.acknowledgedRound.values()].sort((a, b) => b - a);
  const confirmed = rounds[replica.quorum - 2];
  if (confirmed !== undefined && confirmed > replica.confirmedRoundNumber) confirmRound(replica, confirmed);
}

function confirmRound(replica: VrReplica, roundNumber: number): void {
  const sentTick = replica.roundSentTick.get(roundNumber);
  replica.confirmedRoundNumber = roundNumber;
  // The lease runs from when the round was sent: every grant was made after that (§6).
  if (sentTick !== undefined) replica.leaseExpiresTick = Math.max(replica.leaseExpiresTick, sentTick + replica.leaseHeldTicks);
  for (const round of replica.roundSentTick.keys()) if (round < roundNumber) replica.roundSentTick.delete(round);
}

/**
 * After every input: serve the reads whose round is confirmed and whose op-number has executed,
 * and start the next round when reads wait for one (one round in flight; a stale one is
 * replaced after a commit interval, since its messages may be lost).
 */
export function afterReadInput(replica: VrReplica): void {
  if (replica.sessionReads.size > 0) serveSessionReads(sessionHost(replica));
  if (replica.pendingReads.length === 0 || !replica.isPrimary()) return;
  const waiting: PendingRead[] = [];
  for (const read of replica.pendingReads) {
    if (read.roundNumber <= replica.confirmedRoundNumber && read.readOpNumber <= replica.executedOpNumber) serveRead(replica, read.request);
    else waiting.push(read);
  }
  replica.pendingReads = waiting;
  const wantsRound = waiting.some((read) => read.roundNumber > replica.confirmedRoundNumber);
  if (!wantsRound) return;
  const inFlight = replica.roundNumber > replica.confirmedRoundNumber;
  const inFlightSentTick = replica.roundSentTick.get(replica.roundNumber) ?? 0;
  if (!inFlight || replica.nowTick >= inFlightSentTick + replica.commitIntervalTicks) startRound(replica);
}

/** The primary lost its role: reads have no effect, so they can fail definitely. */
export function failReads(replica: VrReplica, reads: readonly PendingRead[], reason: FailReason): void {
  for (const read of reads) replica.reply(read.request, { type: 'fail', reason });
}

/** The replica as the shared read paths see it: positions are op-numbers, the state is what it executed. */
function sessionHost(replica: VrReplica): SessionReadHost {
  return {
    sessionReads: replica.sessionReads,
    appliedPosition: () => replica.executedOpNumber,
    appliedValue: (key) => replica.store.read(key),
    reply: (request, result) => replica.reply(request, result),
  };
}
