import type { RecordInput, RecordOutput, Value, HistoryRecord } from './record';

/** The formats `caplab check` reads (ARCHITECTURE §11). */
export const formatNames = ['jepsen-edn', 'etcd-log', 'porcupine-kv', 'caplab-history', 'caplab-trace'] as const;
export type FormatName = (typeof formatNames)[number];

/** How a format's histories are checked unless the user says otherwise. */
export interface FormatDefaults {
  /** `cas-register` for single registers, `kv` for get/put/append, `kv-cas-register` for the lab's. */
  readonly model: 'cas-register' | 'kv' | 'kv-cas-register';
  /** The registers' initial value: nil for etcd logs and the lab, 0 for the Knossos examples. */
  readonly initial: Value;
  /** Which reading of nil reads and failures the file's authors meant (see RegisterSemantics). */
  readonly semantics: 'etcd' | 'knossos' | 'lab';
}

/** A history file read into operation records. */
export interface ParsedHistory {
  readonly format: FormatName;
  readonly operations: readonly HistoryRecord[];
  readonly defaults: FormatDefaults;
}

/** Builds records from an event list: an invocation, later the same client's completion. */
export class EventPairer {
  private readonly open = new Map<number, { id: number; call: number; input: RecordInput }>();
  private readonly records: (HistoryRecord | undefined)[] = [];

  /** False when the client already has an open invocation (the caller reports the line). */
  invoke(clientId: number, time: number, input: RecordInput): boolean {
    if (this.open.has(clientId)) return false;
    const id = this.records.length;
    this.records.push(undefined);
    this.open.set(clientId, { id, call: time, input });
    return true;
  }

  /** The open invocation of a client, if any. */
  pending(clientId: number): RecordInput | undefined {
    return this.open.get(clientId)?.input;
  }

  /** Completes the open invocation; `input` may refine it (a read learns its value). */
  complete(clientId: number, time: number | null, output: RecordOutput, input?: RecordInput): boolean {
    const invocation = this.open.get(clientId);
    if (invocation === undefined) return false;
    this.open.delete(clientId);
    this.records[invocation.id] = { id: invocation.id, clientId, call: invocation.call, return: time, input: input ?? invocation.input, output };
    return true;
  }

  /** Drops the open invocation: the operation did not happen (Knossos's `:fail`). */
  discard(clientId: number): boolean {
    const invocation = this.open.get(clientId);
    if (invocation === undefined) return false;
    this.open.delete(clientId);
    return true;
  }

  /** Every record, with still-open invocations completed as `info` (return +∞), renumbered. */
  finish(): HistoryRecord[] {
    for (const clientId of [...this.open.keys()]) this.complete(clientId, null, { type: 'info' });
    const records: HistoryRecord[] = [];
    for (const record of this.records) if (record !== undefined) records.push({ ...record, id: records.length });
    return records;
  }
}
