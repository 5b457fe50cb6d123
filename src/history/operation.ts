/**
 * The lab's client history (ARCHITECTURE §5, §9): one record per operation, as Jepsen and Porcupine
 * keep them. Times are integer µs of the simulation's global (true) clock.
 */

/** What a client asked for. Every `write` value and `cas.to` is unique within a history. */
export type OperationInput =
  | { readonly f: 'read'; readonly key: string }
  | { readonly f: 'write'; readonly key: string; readonly value: string }
  | { readonly f: 'cas'; readonly key: string; readonly from: string | null; readonly to: string };

/**
 * How it ended: `ok` (a read carries the value, null when never written), `fail` (definitely
 * not applied), `info` (unknown: it may or may not have taken effect).
 */
export type OperationOutput =
  | { readonly type: 'ok'; readonly value?: string | null }
  | { readonly type: 'fail' }
  | { readonly type: 'info' };

export interface Operation {
  /** Position in the history, in invocation order, from 0. */
  readonly id: number;
  readonly clientId: number;
  /** Invocation time, µs. */
  readonly call: number;
  /** Completion time, µs; null for `info` (never known to have returned). */
  readonly return: number | null;
  readonly input: OperationInput;
  readonly output: OperationOutput;
}

/** The `history.json` document (ARCHITECTURE §9). */
export interface HistoryDocument {
  readonly format: 'caplab-history/1';
  readonly model: 'kv-cas-register';
  readonly initial: string | null;
  readonly operations: readonly Operation[];
}
