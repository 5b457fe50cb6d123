import { assert, assertNever } from '../../base/assert';
import type { NodeId } from '../../base/ids';
import type { ClientRequest } from '../../kv/command';
import type { PaxosNode } from './node';
import { type SessionReadHost, isSyncStep, serveMajorityRead, serveSessionReads, startSessionRead } from '../sessionReads';

/**
 * The read paths of ARCHITECTURE §5 on a Multi-Paxos node. Reads are not put in slots:
 * - `linearizable`: the leader notes the highest slot it has assigned, confirms it still leads
 *   with a heartbeat round acknowledged at its ballot by enough acceptors to meet every phase-1
 *   quorum (so no higher ballot was adopted meanwhile), and serves once it has executed that slot;
 * - `lease` (Paxos Made Live §5.2, master leases): acceptors that acknowledge a round promise no
 *   other ballot for leaseMs; the leader serves at once while such a lease from the same number of
 *   acceptors runs, shortened by the clock-drift bound, once it executed every slot it adopted;
 * - `leader`: the leader's executed state, no confirmation;
 * - `local`: any node's executed state with its own pending local writes over it;
 * - `session`, `majority`, `sync`: the shared paths of protocol/sessionReads.ts, positions being slots
 *   (a sync step is confirmed as a linearizable read on the leader).
 */

/** A read waiting on the leader for its confirmation round and for execution to catch up. */
export interface PendingRead {
  readonly request: ClientRequest;
  readonly key: string;
  /** The highest slot assigned when the read arrived. */
  readonly readSlot: number;
  /** The first round started after the read arrived. */
  readonly round: number;
}

/** Reads a leader holds while it confirms leadership. */
export const pendingReadsMax = 4096;

/**
 * The `leader` read path's value: the leader's executed state with the writes it acknowledged at
 * proposal (write ack `leader`, MongoDB w:1) over it, highest slot last — as Raft's leaderValue
 * (raft/reads.ts): MongoDB's primary applies a w:1 write when it writes its oplog entry. A slot
 * counts only while it still holds that write (its decision, or this leader's proposal).
 */
export function leaderValue(node: PaxosNode, key: string): string | null {
  let value = node.store.read(key);
  const slots = [...node.pendingWrites.keys()].filter((slot) => slot > node.executedSlot).sort((a, b) => a - b);
  for (const slot of slots) {
    const pending = node.pendingWrites.get(slot);
    const command = pending?.request.command;
    if (pending === undefined || !pending.acknowledged || command?.f !== 'write' || command.key !== key) continue;
    const held = node.decisions.get(slot)?.command ?? node.commanders.get(slot)?.pvalue.command ?? null;
    if (held?.clientId !== pending.request.clientId || held.sequence !== pending.request.sequence) continue;
    value = command.value;
  }
  return value;
}

export function serveRead(node: PaxosNode, request: ClientRequest): void {
  const command = request.command;
  assert(command.f === 'read', 'paxos: a read request');
  const path = request.policy.read;
  switch (path) {
    case 'local':
      node.localWrites.settle(node.store);
      return node.reply(request, { type: 'ok', value: node.localWrites.read(command.key, node.store) });
    case 'leader':
      if (node.role !== 'leader') return node.replyNotLeader(request);
      return node.reply(request, { type: 'ok', value: leaderValue(node, command.key) });
    case 'lease':
      if (node.role !== 'leader') return node.replyNotLeader(request);
      if (holdsLease(node)) return node.reply(request, { type: 'ok', value: node.store.read(command.key) });
      // No running lease: fall back to a confirmed read, still linearizable.
      return queueRead(node, request, command.key);
    case 'linearizable':
      if (node.role !== 'leader') return node.replyNotLeader(request);
      return queueRead(node, request, command.key);
    case 'session':
      return startSessionRead(sessionHost(node), request, command.key);
    case 'majority':
      return serveMajorityRead(sessionHost(node), request, command.key);
    case 'sync':
      if (!isSyncStep(request)) return startSessionRead(sessionHost(node), request, command.key);
      if (node.role !== 'leader') return node.replyNotLeader(request);
      return queueRead(node, request, command.key);
    default:
      return assertNever(path, 'read path');
  }
}

/** The lease runs, and every slot from earlier ballots is executed here. */
export function holdsLease(node: PaxosNode): boolean {
  return node.role === 'leader' && node.nowTick < node.leaseExpiresTick && node.executedSlot >= node.adoptedThroughSlot;
}

function queueRead(node: PaxosNode, request: ClientRequest, key: string): void {
  if (node.pendingReads.length >= pendingReadsMax) return node.reply(request, { type: 'fail', reason: 'unavailable' });
  node.pendingReads.push({ request, key, readSlot: Math.max(node.nextSlot - 1, node.executedSlot), round: node.round + 1 });
  if (node.readQuorum === 1) startRound(node);
}

/** A heartbeat round: every acceptor is asked to acknowledge the leader's ballot. */
export function startRound(node: PaxosNode): void {
  assert(node.role === 'leader', 'paxos: only the leader starts rounds');
  node.round++;
  node.roundSentTick.set(node.round, node.nowTick);
  node.broadcast({ kind: 'Heartbeat', ballot: node.ballot, round: node.round, executedSlot: node.executedSlot });
  node.heartbeatDeadlineTick = node.nowTick + node.heartbeatTicks;
  if (node.readQuorum === 1) confirmRound(node, node.round);
}

/** An acceptor still at the leader's ballot acknowledged every round up to `round`. */
export function acknowledgeRound(node: PaxosNode, from: NodeId, round: number): void {
  if (round > node.round || round <= (node.acknowledgedRound.get(from) ?? 0)) return;
  node.acknowledgedRound.set(from, round);
  const rounds = [...node.acknowledgedRound.values()].sort((a, b) => b - a);
  // The leader's own acceptor counts as one of readQuorum.
  const confirmed = rounds[node.readQuorum - 2];
  if (confirmed !== undefined && confirmed > node.confirmedRound) confirmRound(node, confirmed);
}

function confirmRound(node: PaxosNode, round: number): void {
  node.confirmedRound = round;
  const sentTick = node.roundSentTick.get(round);
  // Every acceptor granted its lease after the round left, so it runs from the send time.
  if (sentTick !== undefined) node.leaseExpiresTick = Math.max(node.leaseExpiresTick, sentTick + node.leaseHeldTicks);
  for (const older of [...node.roundSentTick.keys()]) if (older < round) node.roundSentTick.delete(older);
  afterExecute(node);
}

/**
 * After execution moved or a round was confirmed: serve the reads whose round is confirmed and
 * whose slot is executed, and start the next round when reads wait for one (one in flight; a
 * stale one is replaced after a heartbeat, since its messages may be lost).
 */
export function afterExecute(node: PaxosNode): void {
  if (node.sessionReads.size > 0) serveSessionReads(sessionHost(node));
  if (node.pendingReads.length === 0 || node.role !== 'leader') return;
  const waiting: PendingRead[] = [];
  for (const read of node.pendingReads) {
    if (read.round <= node.confirmedRound && read.readSlot <= node.executedSlot) node.reply(read.request, { type: 'ok', value: node.store.read(read.key) });
    else waiting.push(read);
  }
  node.pendingReads = waiting;
  if (!waiting.some((read) => read.round > node.confirmedRound)) return;
  const inFlight = node.round > node.confirmedRound;
  const sentTick = node.roundSentTick.get(node.round) ?? 0;
  if (!inFlight || node.nowTick >= sentTick + node.heartbeatTicks) startRound(node);
}

/** The leader lost its role: reads have no effect, so they fail definitely. */
export function failReads(node: PaxosNode): void {
  const reads = node.pendingReads;
  node.pendingReads = [];
  for (const read of reads) node.reply(read.request, { type: 'fail', reason: 'not-leader' });
}

/** The node as the shared read paths see it: positions are slots, the state is what it executed. */
function sessionHost(node: PaxosNode): SessionReadHost {
  return {
    sessionReads: node.sessionReads,
    appliedPosition: () => node.executedSlot,
    appliedValue: (key) => node.store.read(key),
    reply: (request, result) => node.reply(request, result),
  };
}
