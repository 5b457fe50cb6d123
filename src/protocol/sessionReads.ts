import { assert } from '../base/assert';
import type { ClientReply, ClientRequest, KvResult, ReadPath } from '../kv/command';

/**
 * The read paths every protocol shares (ARCHITECTURE §5), beside the leader's own ones:
 * - `session`: any replica answers from its applied state, but only once it has applied at least
 *   the client session's last-seen log position (`request.afterIndex`). The answer carries the
 *   position it reflects, which the client keeps. ZooKeeper's FIFO client order ("a client will
 *   never see an older view", a server refuses a session whose zxid is ahead of its own) and
 *   MongoDB's causally consistent sessions (`afterClusterTime`) are this path. It gives
 *   read-your-writes and monotonic reads; another client's newer write may be missing, so it is
 *   not linearizable.
 * - `majority`: any replica answers at once from what it knows a majority committed (its applied
 *   state; never its own pending local writes) — MongoDB `readConcern: "majority"`. It never
 *   returns a value that can be rolled back, but may be stale.
 * - `sync`: ZooKeeper's `sync()` then read. The client first sends the read to the leader as a
 *   sync step (no `afterIndex`): the leader confirms its leadership as for a linearizable read
 *   and answers with its applied position; the client then reads at the replica it talks to with
 *   that position as `afterIndex` (a session read). Everything committed before the sync is seen.
 *
 * Log positions are Raft log indexes, VR op-numbers and Paxos slots: each protocol's one
 * totally ordered sequence of committed commands, so "applied at least i" means the same thing
 * on every replica.
 */

/** Whether answers to requests on this read path carry the position they reflect (the client's session keeps it). */
export function carriesSession(path: ReadPath): boolean {
  return path === 'session' || path === 'sync';
}

/** A `sync` read without a position yet is the sync step the leader confirms; with one it is the read after it. */
export function isSyncStep(request: ClientRequest): boolean {
  return request.policy.read === 'sync' && request.afterIndex === undefined;
}

/** A read that waits on a replica until it has applied the session's last-seen position. */
export interface SessionRead {
  readonly request: ClientRequest;
  readonly key: string;
  readonly afterIndex: number;
}

/** Session reads one replica holds; beyond this it answers `unavailable` (the client tries elsewhere). */
export const sessionReadsMax = 4096;

/** The session reads a replica holds until its applied position reaches theirs. */
export class SessionReads {
  private waiting: SessionRead[] = [];

  get size(): number {
    return this.waiting.length;
  }

  /** Queues a read; false when the queue is full (the caller answers `unavailable`). */
  add(read: SessionRead): boolean {
    if (this.waiting.length >= sessionReadsMax) return false;
    this.waiting.push(read);
    return true;
  }

  /** Removes and returns the reads the applied position now covers, oldest first. */
  takeServable(appliedIndex: number): SessionRead[] {
    if (this.waiting.length === 0) return [];
    const servable = this.waiting.filter((read) => read.afterIndex <= appliedIndex);
    if (servable.length > 0) this.waiting = this.waiting.filter((read) => read.afterIndex > appliedIndex);
    return servable;
  }

  /** Everything waiting, emptied (a replica that restarts loses them; their clients time out). */
  drain(): SessionRead[] {
    const all = this.waiting;
    this.waiting = [];
    return all;
  }
}

/** What a replica offers the shared read paths. */
export interface SessionReadHost {
  readonly sessionReads: SessionReads;
  /** Highest log position applied to the state machine. */
  appliedPosition(): number;
  /** The applied (committed) value of a key. */
  appliedValue(key: string): string | null;
  reply(request: ClientRequest, result: KvResult): void;
}

/**
 * A `session` read, or the read after a sync step: answered now if this replica has applied the
 * session's position, else held until it has (any role: a follower answers too).
 */
export function startSessionRead(host: SessionReadHost, request: ClientRequest, key: string): void {
  const afterIndex = request.afterIndex ?? 0;
  if (host.sessionReads.size === 0 && host.appliedPosition() >= afterIndex) return host.reply(request, { type: 'ok', value: host.appliedValue(key) });
  if (!host.sessionReads.add({ request, key, afterIndex })) host.reply(request, { type: 'fail', reason: 'unavailable' });
}

/** After the applied position may have moved: answer the session reads it now covers. */
export function serveSessionReads(host: SessionReadHost): void {
  if (host.sessionReads.size === 0) return;
  for (const read of host.sessionReads.takeServable(host.appliedPosition())) host.reply(read.request, { type: 'ok', value: host.appliedValue(read.key) });
}

/** A `majority` read: any replica, at once, from its applied (majority-committed) state. */
export function serveMajorityRead(host: SessionReadHost, request: ClientRequest, key: string): void {
  host.reply(request, { type: 'ok', value: host.appliedValue(key) });
}

/**
 * The position a reply carries for the client's session (only on `session` and `sync` requests):
 * for a read, the applied position it was served from; for a write the state machine applied, the
 * applied position; for a write acknowledged before it applied (write ack `leader`), the last log
 * position, which its entry is at or below.
 */
export function sessionPosition(request: ClientRequest, result: KvResult, positions: { readonly applied: number; readonly last: number; readonly appliedHere: boolean }): number | undefined {
  if (!carriesSession(request.policy.read) || result.type !== 'ok') return undefined;
  if (request.command.f === 'read' || positions.appliedHere) return positions.applied;
  assert(positions.last >= positions.applied, 'a log holds at least what it applied');
  return positions.last;
}

/** The reply to a request, with its session position when it carries one (other replies are unchanged, so their traces are). */
export function replyWithSession(reply: Omit<ClientReply, 'index'>, index: number | undefined): ClientReply {
  return index === undefined ? reply : { ...reply, index };
}
