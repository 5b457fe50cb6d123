import { assert } from '../../base/assert';
import type { LogIndex } from '../../base/ids';
import type { ClientRequest } from '../../kv/command';
import type { RaftNode } from './node';
import { broadcastRound } from './replication';
import { type SessionReadHost, serveSessionReads } from '../sessionReads';

/** A linearizable read waiting for its leadership confirmation and for the state machine to catch up (§8 ReadIndex). */
export interface PendingRead {
  readonly request: ClientRequest;
  readonly key: string;
  /** commitIndex when the read arrived; null until the leader has committed an entry of its own term. */
  readIndex: LogIndex | null;
  /** The broadcast round whose majority acknowledgement confirms leadership; 0 before it is sent. */
  round: number;
  confirmed: boolean;
}

/** Rounds whose send time is remembered for leases; older ones are dropped. */
export const roundsRememberedMax = 256;

/**
 * The leader's read-only machinery (§8): ReadIndex reads waiting for a heartbeat round acknowledged
 * by a majority, and the leader lease that such a round starts.
 */
export class ReadQueue {
  private pending: PendingRead[] = [];
  /** round → the leader's tick when that round left. */
  private readonly roundSentAtTick = new Map<number, number>();
  /** The highest round a majority acknowledged in this leadership. */
  quorumRound = 0;
  /** Lease reads may be served while the leader's tickCount is below this (§8, dissertation §6.4.1). */
  leaseExpiresAtTick = 0;

  get size(): number {
    return this.pending.length;
  }

  add(read: PendingRead): void {
    this.pending.push(read);
  }

  noteRoundSent(round: number, tick: number): void {
    this.roundSentAtTick.set(round, tick);
    if (this.roundSentAtTick.size > roundsRememberedMax) {
      const oldest = this.roundSentAtTick.keys().next().value;
      if (oldest !== undefined) this.roundSentAtTick.delete(oldest);
    }
  }

  /** A majority acknowledged `round`: confirm the reads it covers and extend the lease from its send time. */
  confirmUpTo(round: number, leaseTicks: number): void {
    if (round <= this.quorumRound) return;
    this.quorumRound = round;
    const sentAt = this.roundSentAtTick.get(round);
    if (sentAt !== undefined) this.leaseExpiresAtTick = Math.max(this.leaseExpiresAtTick, sentAt + leaseTicks);
    for (const key of [...this.roundSentAtTick.keys()]) if (key < round) this.roundSentAtTick.delete(key);
    for (const read of this.pending) if (read.round > 0 && read.round <= round) read.confirmed = true;
  }

  /** Removes and returns the reads that may be answered now. */
  takeServable(appliedIndex: LogIndex): PendingRead[] {
    const servable: PendingRead[] = [];
    const waiting: PendingRead[] = [];
    for (const read of this.pending) {
      if (read.confirmed && read.readIndex !== null && read.readIndex <= appliedIndex) servable.push(read);
      else waiting.push(read);
    }
    this.pending = waiting;
    return servable;
  }

  /** Reads that arrived before the leader's no-op committed; they get their read index now. */
  unindexed(): PendingRead[] {
    return this.pending.filter((read) => read.readIndex === null);
  }

  /** Everything pending, emptied: a leader stepping down fails them (a read has no effect, so `fail` is true). */
  drain(): PendingRead[] {
    const all = this.pending;
    this.pending = [];
    this.roundSentAtTick.clear();
    this.quorumRound = 0;
    this.leaseExpiresAtTick = 0;
    return all;
  }
}

/** §8: "a leader must have the latest information on which entries are committed" — it has once an entry of its term committed. */
export function committedInCurrentTerm(node: RaftNode): boolean {
  return node.log.termAt(node.commitIndex) === node.currentTerm;
}

/**
 * ReadIndex (§8, dissertation §6.4): record commitIndex as the read index, then confirm leadership
 * with a broadcast round; the read is answered once a majority acknowledged it and lastApplied ≥ readIndex.
 */
export function startLinearizableRead(node: RaftNode, request: ClientRequest, key: string): void {
  assert(node.role === 'leader', 'raft: only the leader serves ReadIndex reads');
  node.reads.add({ request, key, readIndex: null, round: 0, confirmed: false });
  if (committedInCurrentTerm(node)) indexPendingReads(node);
}

/** Gives waiting reads their read index and a fresh round that confirms it. */
function indexPendingReads(node: RaftNode): void {
  const reads = node.reads.unindexed();
  if (reads.length === 0) return;
  const round = node.round + 1;
  for (const read of reads) {
    read.readIndex = node.commitIndex;
    read.round = round;
  }
  broadcastRound(node);
}

/** Lease read: served locally while the lease a majority-acknowledged round started is running. */
export function leaseIsValid(node: RaftNode): boolean {
  return node.role === 'leader' && committedInCurrentTerm(node) && node.tickCount < node.reads.leaseExpiresAtTick;
}

/**
 * Called whenever a follower's acknowledged round or the applied index may have moved: confirm
 * reads and the lease by the round a majority (the leader included) acknowledged, and answer reads.
 */
export function onRoundAcknowledged(node: RaftNode): void {
  if (node.role !== 'leader') return;
  const rounds = [node.round];
  for (const progress of node.progress.values()) rounds.push(progress.acknowledgedRound);
  rounds.sort((a, b) => b - a);
  node.reads.confirmUpTo(rounds[node.quorum - 1] ?? 0, node.ticks.leaseTicks);
  if (node.reads.size === 0) return;
  if (committedInCurrentTerm(node)) indexPendingReads(node);
  for (const read of node.reads.takeServable(node.lastApplied)) {
    node.reply(read.request, { type: 'ok', value: node.store.read(read.key) });
  }
}

/** The node as the shared read paths see it (protocol/sessionReads.ts): positions are log indexes. */
export function sessionHost(node: RaftNode): SessionReadHost {
  return {
    sessionReads: node.sessionReads,
    appliedPosition: () => node.lastApplied,
    appliedValue: (key) => node.store.read(key),
    reply: (request, result) => node.reply(request, result),
  };
}

/** After every message: answer the session reads the applied index now covers. */
export function serveRaftSessionReads(node: RaftNode): void {
  if (node.sessionReads.size > 0) serveSessionReads(sessionHost(node));
}

/**
 * The `leader` read path's value: the leader's applied state with the writes it acknowledged at
 * append (write ack `leader`, MongoDB w:1) applied over it, newest log position last. MongoDB's
 * primary applies a w:1 write when it writes its oplog entry, so its own later reads see it before
 * a majority holds it; a quorum write is still seen only once committed and applied.
 */
export function leaderValue(node: RaftNode, key: string): string | null {
  let value = node.store.read(key);
  let newest = node.lastApplied as number;
  for (const [index, pending] of node.pendingWrites) {
    const command = pending.request.command;
    if (!pending.acknowledged || command.f !== 'write' || command.key !== key || index <= newest || index > node.log.lastIndex || index <= node.log.snapshotIndex) continue;
    const entry = node.log.entryAt(index).command;
    if (entry?.clientId !== pending.request.clientId || entry.sequence !== pending.request.sequence) continue;
    value = command.value;
    newest = index;
  }
  return value;
}
