import { assertNever } from '../base/assert';
import type { ClientId } from '../base/ids';
import type { KvCommand, KvLogCommand, KvResult } from './command';

/** What a client session remembers: the last sequence applied and its result (Raft §8, VR §4.1 client table). */
export interface SessionRecord {
  readonly sequence: number;
  readonly result: KvResult;
}

/** A store's state as plain data: what snapshots and state transfer carry. */
export interface KvSnapshot {
  readonly values: ReadonlyArray<readonly [string, string]>;
  readonly sessions: ReadonlyArray<readonly [number, SessionRecord]>;
}

/**
 * The replicated state machine: one register per key, plus the client sessions that make a
 * retried request take effect once. Deterministic: the same commands in the same order give
 * the same state and results on every replica.
 */
export class KvStore {
  private readonly values = new Map<string, string>();
  private readonly sessions = new Map<number, SessionRecord>();

  static fromSnapshot(snapshot: KvSnapshot): KvStore {
    const store = new KvStore();
    for (const [key, value] of snapshot.values) store.values.set(key, value);
    for (const [client, record] of snapshot.sessions) store.sessions.set(client, record);
    return store;
  }

  snapshot(): KvSnapshot {
    return {
      values: [...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      sessions: [...this.sessions.entries()].sort(([a], [b]) => a - b),
    };
  }

  /** The register's value, null when never written. */
  read(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  /** The result a session already has for this sequence, if the request was applied before. */
  appliedResult(clientId: ClientId, sequence: number): KvResult | null {
    const record = this.sessions.get(clientId);
    if (record === undefined || record.sequence < sequence) return null;
    if (record.sequence === sequence) return record.result;
    // An older sequence: the client has moved on; its result no longer matters to anyone.
    return { type: 'fail', reason: 'unavailable' };
  }

  /** Applies a committed command once per (client, sequence); a duplicate returns the first result. */
  apply(entry: KvLogCommand): KvResult {
    const previous = this.appliedResult(entry.clientId, entry.sequence);
    if (previous !== null) return previous;
    const result = this.execute(entry.command);
    this.sessions.set(entry.clientId, { sequence: entry.sequence, result });
    return result;
  }

  private execute(command: KvCommand): KvResult {
    switch (command.f) {
      case 'read':
        return { type: 'ok', value: this.read(command.key) };
      case 'write':
        this.values.set(command.key, command.value);
        return { type: 'ok' };
      case 'cas': {
        if (this.read(command.key) !== command.from) return { type: 'fail', reason: 'cas-mismatch' };
        this.values.set(command.key, command.to);
        return { type: 'ok' };
      }
      default:
        return assertNever(command, 'kv command');
    }
  }

  /** Key → value, for divergence checks between replicas. */
  entries(): ReadonlyMap<string, string> {
    return this.values;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }
}
