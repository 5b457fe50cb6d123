import { assertNever } from '../base/assert';
import type { ClientId } from '../base/ids';
import type { KvCommand, KvLogCommand, KvResult } from './command';
import { compareHlc, type HlcTimestamp, hlcZero, maxHlc } from './hlc';

/** What a client session remembers: the last sequence applied and its result (Raft §8, VR §4.1 client table). */
export interface SessionRecord {
  readonly sequence: number;
  readonly result: KvResult;
}

/** A store's state as plain data: what snapshots and state transfer carry. */
export interface KvSnapshot {
  readonly values: ReadonlyArray<readonly [string, string]>;
  readonly sessions: ReadonlyArray<readonly [number, SessionRecord]>;
  /** Each written key's last-writer-wins timestamp (absent in snapshots taken before any stamped write). */
  readonly timestamps?: ReadonlyArray<readonly [string, HlcTimestamp]>;
}

/** A deep copy of a snapshot, timestamps included, so a replica never shares state with a disk or a message. */
export function copyKvSnapshot(state: KvSnapshot): KvSnapshot {
  return {
    values: state.values.map(([key, value]) => [key, value] as const),
    sessions: state.sessions.map(([client, record]) => [client, { ...record, result: { ...record.result } }] as const),
    ...(state.timestamps === undefined ? {} : { timestamps: state.timestamps.map(([key, timestamp]) => [key, { ...timestamp }] as const) }),
  };
}

const byKey = ([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The replicated state machine: one register per key, plus the client sessions that make a
 * retried request take effect once. Deterministic: the same commands in the same order give
 * the same state and results on every replica.
 *
 * Writes merge last-writer-wins by their hybrid-logical-clock timestamp (ARCHITECTURE §5): a stamped
 * write or cas takes effect only if its timestamp is greater than the key's current one. The
 * leader/primary stamps every write it appends from a clock that has seen every earlier entry,
 * so quorum and leader writes always win in log order; a `local` write carries the stamp of the
 * replica that accepted it and may lose to a write that came earlier in the log.
 */
export class KvStore {
  private readonly values = new Map<string, string>();
  private readonly sessions = new Map<number, SessionRecord>();
  private readonly timestamps = new Map<string, HlcTimestamp>();
  /** The greatest timestamp of any key: a stamping clock catches up to it first. */
  private highest: HlcTimestamp = hlcZero;

  static fromSnapshot(snapshot: KvSnapshot): KvStore {
    const store = new KvStore();
    for (const [key, value] of snapshot.values) store.values.set(key, value);
    for (const [client, record] of snapshot.sessions) store.sessions.set(client, record);
    for (const [key, timestamp] of snapshot.timestamps ?? []) {
      store.timestamps.set(key, timestamp);
      store.highest = maxHlc(store.highest, timestamp);
    }
    return store;
  }

  snapshot(): KvSnapshot {
    return {
      values: [...this.values.entries()].sort(byKey),
      sessions: [...this.sessions.entries()].sort(([a], [b]) => a - b),
      timestamps: [...this.timestamps.entries()].sort(byKey),
    };
  }

  /** The register's value, null when never written. */
  read(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  /** The key's last-writer-wins timestamp (`hlcZero` when no stamped write took effect). */
  timestampOf(key: string): HlcTimestamp {
    return this.timestamps.get(key) ?? hlcZero;
  }

  /** The greatest timestamp among the keys. */
  get highestTimestamp(): HlcTimestamp {
    return this.highest;
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
    const result = this.execute(entry.command, entry.timestamp);
    this.sessions.set(entry.clientId, { sequence: entry.sequence, result });
    return result;
  }

  /**
   * Whether the last apply of (client, sequence) changed its key: false for a read, a cas whose
   * comparison failed, a write that lost last-writer-wins, or one never applied.
   */
  tookEffect(clientId: ClientId, sequence: number): boolean {
    const record = this.sessions.get(clientId);
    return record !== undefined && record.sequence === sequence && record.result.type === 'ok' && record.result.value === undefined;
  }

  private execute(command: KvCommand, timestamp: HlcTimestamp | undefined): KvResult {
    switch (command.f) {
      case 'read':
        return { type: 'ok', value: this.read(command.key) };
      case 'write':
        // Last-writer-wins: an older stamp leaves the register alone. It is still the write's
        // one application (the session records it), so a retry cannot sneak it in later.
        if (!this.wins(command.key, timestamp)) return { type: 'fail', reason: 'unavailable' };
        this.set(command.key, command.value, timestamp);
        return { type: 'ok' };
      case 'cas': {
        if (this.read(command.key) !== command.from) return { type: 'fail', reason: 'cas-mismatch' };
        if (!this.wins(command.key, timestamp)) return { type: 'fail', reason: 'unavailable' };
        this.set(command.key, command.to, timestamp);
        return { type: 'ok' };
      }
      default:
        return assertNever(command, 'kv command');
    }
  }

  /** An unstamped write (hand-built entries) always wins; a stamped one must beat the key's stamp. */
  private wins(key: string, timestamp: HlcTimestamp | undefined): boolean {
    if (timestamp === undefined) return true;
    return compareHlc(timestamp, this.timestampOf(key)) > 0;
  }

  private set(key: string, value: string, timestamp: HlcTimestamp | undefined): void {
    this.values.set(key, value);
    if (timestamp === undefined) return;
    this.timestamps.set(key, timestamp);
    this.highest = maxHlc(this.highest, timestamp);
  }

  /** Key → value, for divergence checks between replicas. */
  entries(): ReadonlyMap<string, string> {
    return this.values;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }
}
