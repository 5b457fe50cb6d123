import type { ClientId } from '../base/ids';
import { clientId as toClientId } from '../base/ids';
import type { Operation } from '../history/operation';
import { type HlcTimestamp, parseHlc } from '../kv/hlc';
import { KvStore } from '../kv/store';

/** The violation kinds the oracle counts (ARCHITECTURE §6). */
export type ViolationKind = 'staleRead' | 'lostWrite' | 'monotonicRead' | 'readYourWrites';

/** One counted violation and the operations that prove it. */
export interface Violation {
  readonly kind: ViolationKind;
  readonly key: string;
  /** The offending operation first, then the ones that show why. */
  readonly operations: readonly number[];
  readonly explanation: string;
}

/**
 * The violation oracle, using the simulator's omniscient view. The *truth order* of a key's
 * writes is the order in which they take effect in the converged state: log order, with
 * last-writer-wins for stamped writes (ARCHITECTURE §5–§6). The host feeds every log index the first
 * time any replica applies it, and the oracle replays those commands, with the timestamps their
 * digests carry, through a KvStore of its own (the same client sessions and the same merge as the
 * replicas), so a duplicate, a retired sequence, a cas whose comparison fails, or a write whose
 * stamp is not newer than the key's takes no effect here either.
 */
export class ViolationOracle {
  private readonly truth = new KvStore();
  /** (client, sequence) → operation, registered at invocation. */
  private readonly operationBySession = new Map<string, Operation>();
  /** Operation id → its position in its key's truth order (0, 1, 2 …). */
  private readonly truthPosition = new Map<number, number>();
  private readonly truthLength = new Map<string, number>();
  private readonly writerOfValue = new Map<string, number>();
  /** Writes that reached the log but lost last-writer-wins: operation id → the stamp that lost. */
  private readonly beaten = new Map<number, HlcTimestamp>();

  /** Registers an invoked operation so applied log entries can be traced back to it. */
  invoked(operation: Operation, sequence: number): void {
    this.operationBySession.set(sessionKey(toClientId(operation.clientId), sequence), operation);
    const input = operation.input;
    if (input.f === 'write') this.writerOfValue.set(input.value, operation.id);
    if (input.f === 'cas') this.writerOfValue.set(input.to, operation.id);
  }

  /**
   * A log entry applied for the first time anywhere, in index order. Digest (kv/command.ts):
   * `c<client>#<sequence>:<f>:<key>`, then `@<wallUs>.<logical>.<node>` when the entry is stamped.
   */
  applied(digest: string): void {
    const parsed = /^c(\d+)#(\d+):/.exec(digest);
    if (parsed === null) return; // a no-op entry
    const client = toClientId(Number(parsed[1]));
    const sequence = Number(parsed[2]);
    const operation = this.operationBySession.get(sessionKey(client, sequence));
    if (operation === undefined) return; // not from this run's clients (a test's direct submit)
    const input = operation.input;
    const at = digest.lastIndexOf('@');
    const timestamp = at < 0 ? null : parseHlc(digest.slice(at + 1));
    const duplicate = this.truth.appliedResult(client, sequence) !== null;
    const casHeld = input.f === 'cas' && this.truth.read(input.key) === input.from;
    const result = this.truth.apply({ clientId: client, sequence, command: input, ...(timestamp === null ? {} : { timestamp }) });
    if (duplicate || input.f === 'read') return;
    const lostByStamp = result.type !== 'ok' && timestamp !== null && (input.f === 'write' || casHeld);
    if (lostByStamp) this.beaten.set(operation.id, timestamp);
    if (result.type !== 'ok') return;
    const position = this.truthLength.get(input.key) ?? 0;
    this.truthLength.set(input.key, position + 1);
    this.truthPosition.set(operation.id, position);
  }

  /** Whether a write took effect in the truth order so far. */
  tookEffect(operationId: number): boolean {
    return this.truthPosition.has(operationId);
  }

  /** Where a value stands in its key's truth order (the initial value is -1): the version order the session checks use. */
  positionOf(_key: string, value: string | number | null): number | null {
    return typeof value === 'number' ? null : this.positionOfValue(value);
  }

  /** The converged value of every key in the truth order. */
  truthValue(key: string): string | null {
    return this.truth.read(key);
  }

  /**
   * Every violation in a finished history (operations in invocation order). Writes still
   * unapplied count as lost, so call this after the run's final quiescent period.
   */
  violations(operations: readonly Operation[]): Violation[] {
    const found: Violation[] = [];
    const byKey = new Map<string, Operation[]>();
    for (const operation of operations) {
      const list = byKey.get(operation.input.key);
      if (list === undefined) byKey.set(operation.input.key, [operation]);
      else list.push(operation);
    }
    for (const [key, list] of byKey) {
      this.lostWrites(key, list, found);
      this.staleReads(key, list, found);
      this.sessionBreaks(key, list, found);
    }
    return found;
  }

  private positionOfValue(value: string | null | undefined): number | null {
    if (value === null || value === undefined) return -1; // the initial (absent) value comes first
    const writer = this.writerOfValue.get(value);
    if (writer === undefined) return null;
    return this.truthPosition.get(writer) ?? null;
  }

  /** Lost write: a write completed ok whose value never takes effect in the truth order. */
  private lostWrites(key: string, list: readonly Operation[], found: Violation[]): void {
    for (const operation of list) {
      if (operation.input.f === 'read' || operation.output.type !== 'ok') continue;
      if (this.truthPosition.has(operation.id)) continue;
      const what = operation.input.f === 'write' ? `write ${operation.input.value}` : `cas → ${operation.input.to}`;
      const beaten = this.beaten.get(operation.id);
      const why = beaten === undefined ? 'never took effect' : `reached the log but lost last-writer-wins: its timestamp ${beaten.wallUs}.${beaten.logical}.${beaten.node} was not newer than the key's`;
      found.push({ kind: 'lostWrite', key, operations: [operation.id], explanation: `${what} on ${key} was acknowledged but ${why}` });
    }
  }

  /**
   * Stale read: an ok read returned the value of write W although a write W' after W in the truth
   * order had completed ok before the read was invoked.
   */
  private staleReads(key: string, list: readonly Operation[], found: Violation[]): void {
    // Completed-ok writes with a truth position, by completion time, with the running latest position.
    const completed = list
      .filter((operation) => operation.input.f !== 'read' && operation.output.type === 'ok' && this.truthPosition.has(operation.id))
      .sort((a, b) => (a.return as number) - (b.return as number));
    const latest: Array<{ returnUs: number; position: number; id: number }> = [];
    for (const write of completed) {
      const position = this.truthPosition.get(write.id) as number;
      const previous = latest[latest.length - 1];
      latest.push(previous !== undefined && previous.position > position ? { ...previous, returnUs: write.return as number } : { returnUs: write.return as number, position, id: write.id });
    }
    for (const read of list) {
      if (read.input.f !== 'read' || read.output.type !== 'ok') continue;
      const newest = lastBefore(latest, read.call);
      if (newest === undefined) continue;
      const value = read.output.value ?? null;
      const position = this.positionOfValue(value);
      if (position !== null && position >= newest.position) continue;
      const seen = value === null ? 'nothing (never written)' : value;
      found.push({
        kind: 'staleRead',
        key,
        operations: [read.id, newest.id, ...(value === null ? [] : [this.writerOfValue.get(value) as number].filter((id) => id !== undefined))],
        explanation: `read of ${key} returned ${seen}, but operation ${newest.id} had already written a later value before the read began`,
      });
    }
  }

  /** Monotonic reads and read-your-writes, per client session. */
  private sessionBreaks(key: string, list: readonly Operation[], found: Violation[]): void {
    const byClient = new Map<number, Operation[]>();
    for (const operation of list) {
      const own = byClient.get(operation.clientId);
      if (own === undefined) byClient.set(operation.clientId, [operation]);
      else own.push(operation);
    }
    for (const own of byClient.values()) {
      let newestRead: { position: number; id: number } | null = null;
      let newestWrite: { position: number; id: number } | null = null;
      for (const operation of own) {
        if (operation.output.type !== 'ok') continue;
        if (operation.input.f !== 'read') {
          const position = this.truthPosition.get(operation.id);
          if (position !== undefined && (newestWrite === null || position > newestWrite.position)) newestWrite = { position, id: operation.id };
          continue;
        }
        const position = this.positionOfValue(operation.output.value ?? null);
        if (position === null) continue;
        if (newestRead !== null && position < newestRead.position) {
          found.push({ kind: 'monotonicRead', key, operations: [operation.id, newestRead.id], explanation: `client ${operation.clientId} read an older value of ${key} than its earlier read (operation ${newestRead.id})` });
        }
        if (newestWrite !== null && position < newestWrite.position) {
          found.push({ kind: 'readYourWrites', key, operations: [operation.id, newestWrite.id], explanation: `client ${operation.clientId} did not see its own write (operation ${newestWrite.id}) when reading ${key}` });
        }
        if (newestRead === null || position > newestRead.position) newestRead = { position, id: operation.id };
      }
    }
  }
}

function sessionKey(client: ClientId, sequence: number): string {
  return `${client}#${sequence}`;
}

/** The last entry with returnUs < timeUs (entries sorted by returnUs). */
function lastBefore<T extends { returnUs: number }>(entries: readonly T[], timeUs: number): T | undefined {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((entries[middle] as T).returnUs < timeUs) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? undefined : entries[low - 1];
}
