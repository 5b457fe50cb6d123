import { assert } from '../base/assert';
import { limits } from '../base/limits';
import type { ClientRequest, KvLogCommand, KvResult } from './command';
import { compareHlc, type HlcTimestamp, type HybridLogicalClock } from './hlc';
import type { KvStore } from './store';

/** Most local writes forwarded in one message. */
export const localWritesPerForwardMax = limits.entriesPerMessageMax;

/** A stamped command: local writes always carry their timestamp. */
export type StampedCommand = KvLogCommand & { readonly timestamp: HlcTimestamp };

/**
 * The writes a replica accepted with write ack `local` (ARCHITECTURE §5, AP) and has not yet seen
 * applied from the replicated log. They are an overlay on the replica's applied state: its
 * `local` reads and its `keyValues()` merge them last-writer-wins with the store, so the client
 * that wrote sees its write at once on that replica. Each is forwarded to the leader/primary until
 * the replica applies it from the log (the client session then remembers it, so it is applied
 * once), and dropped from the overlay then: what the replicas finally compare is converged state.
 *
 * The overlay lives in memory only: a replica that crashes before forwarding loses the writes it
 * acknowledged — a lost write the oracle counts, as with Cassandra's consistency level ONE.
 */
export class LocalWrites {
  /** In acceptance order, which is also timestamp order (one node's clock only moves forward). */
  private pending: StampedCommand[] = [];

  get size(): number {
    return this.pending.length;
  }

  get isFull(): boolean {
    return this.pending.length >= limits.localWritesPendingMax;
  }

  accept(command: StampedCommand): void {
    assert(!this.isFull, 'local writes: accepted beyond the bound');
    const last = this.pending[this.pending.length - 1];
    assert(last === undefined || compareHlc(last.timestamp, command.timestamp) < 0, 'local writes: stamps increase in acceptance order');
    this.pending.push(command);
  }

  /** Whether (client, sequence) is pending here (a retried request). */
  has(clientId: number, sequence: number): boolean {
    return this.pending.some((command) => command.clientId === clientId && command.sequence === sequence);
  }

  /** Drops the writes the store has applied (or will never apply: the client's session moved past them). */
  settle(store: KvStore): void {
    if (this.pending.length === 0) return;
    this.pending = this.pending.filter((command) => store.appliedResult(command.clientId, command.sequence) === null);
  }

  /** The writes to forward next, oldest first (a client's writes reach the log in its order). */
  forwardBatch(): StampedCommand[] {
    return this.pending.slice(0, localWritesPerForwardMax);
  }

  /** The key as this replica's local view has it: applied state and pending writes, newest stamp wins. */
  read(key: string, store: KvStore): string | null {
    let value = store.read(key);
    let timestamp = store.timestampOf(key);
    for (const command of this.pending) {
      const written = writtenValue(command, key);
      if (written === null || compareHlc(command.timestamp, timestamp) <= 0) continue;
      value = written;
      timestamp = command.timestamp;
    }
    return value;
  }

  /** Key → value of the local view (the store itself when nothing is pending). */
  keyValues(store: KvStore): ReadonlyMap<string, string> {
    if (this.pending.length === 0) return store.entries();
    const merged = new Map(store.entries());
    for (const command of this.pending) {
      const key = command.command.key;
      const value = this.read(key, store);
      if (value !== null) merged.set(key, value);
    }
    return merged;
  }
}

/** The value a pending write puts in `key`, if it writes that key (an accepted cas took effect locally). */
function writtenValue(command: KvLogCommand, key: string): string | null {
  const inner = command.command;
  if (inner.key !== key) return null;
  if (inner.f === 'write') return inner.value;
  if (inner.f === 'cas') return inner.to;
  return null;
}

/** What a replica of any protocol lends `acceptLocalWrite`. */
export interface LocalWriteHost {
  readonly store: KvStore;
  readonly localWrites: LocalWrites;
  readonly hlc: HybridLogicalClock;
  reply(request: ClientRequest, result: KvResult): void;
}

/**
 * Write ack `local` (ARCHITECTURE §5, AP), the same on every protocol: any replica, leader or not,
 * stamps the write from its own (possibly skewed) clock, applies it to its local view and
 * acknowledges at once; the caller then forwards it into the log. A `cas` is decided against
 * this replica's local view; in the log it takes effect only if its comparison still holds there
 * and its stamp wins — otherwise it is a lost write. Returns whether a new write was accepted.
 */
export function acceptLocalWrite(host: LocalWriteHost, request: ClientRequest): boolean {
  const command = request.command;
  assert(command.f !== 'read', 'local writes: a write or a cas');
  // A retry of a request this replica already applied or holds: the same answer, never a second stamp.
  const applied = host.store.appliedResult(request.clientId, request.sequence);
  if (applied !== null) {
    host.reply(request, applied);
    return false;
  }
  if (host.localWrites.has(request.clientId, request.sequence)) {
    host.reply(request, { type: 'ok' });
    return false;
  }
  if (host.localWrites.isFull) {
    host.reply(request, { type: 'fail', reason: 'unavailable' });
    return false;
  }
  host.localWrites.settle(host.store);
  if (command.f === 'cas' && host.localWrites.read(command.key, host.store) !== command.from) {
    host.reply(request, { type: 'fail', reason: 'cas-mismatch' });
    return false;
  }
  host.hlc.catchUp(host.store.highestTimestamp);
  host.localWrites.accept({ clientId: request.clientId, sequence: request.sequence, command, timestamp: host.hlc.now() });
  host.reply(request, { type: 'ok' });
  return true;
}
