/**
 * The operation record every history format is read into and every checker model consumes.
 * It widens the lab's own `Operation` (src/history/operation.ts) so that a lab history is a
 * valid input without conversion, and adds the shapes external histories use: integer
 * values (Knossos, etcd logs) and get/put/append on strings (Porcupine's kv).
 */

/**
 * A register value: a string (the lab, Porcupine kv), an integer (Jepsen), or null = nil / absent.
 * Integers are exact: a number while it is a safe integer, a bigint beyond (`exactInteger`), so
 * each integer has one representation and `===` compares values exactly (9007199254740993 is
 * never 9007199254740992).
 */
export type Value = string | number | bigint | null;

/** The exact integer written as decimal `text` (an optional sign, then digits): a number when safe, else a bigint. */
export function exactInteger(text: string): number | bigint {
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : BigInt(text);
}

/** What a client asked for. `key` is null for single-register histories (etcd logs, Knossos). */
export type RecordInput =
  | { readonly f: 'read'; readonly key: string | null }
  | { readonly f: 'write'; readonly key: string | null; readonly value: Value }
  | { readonly f: 'cas'; readonly key: string | null; readonly from: Value; readonly to: Value }
  | { readonly f: 'get'; readonly key: string | null }
  | { readonly f: 'put'; readonly key: string | null; readonly value: string }
  | { readonly f: 'append'; readonly key: string | null; readonly value: string };

/**
 * How it ended: `ok` (reads carry the value), `fail` (its meaning is the model's: etcd's "cas
 * compare failed", or "did not happen" for Knossos and the lab), `info` (unknown outcome: it
 * may take effect at any point after its call, or never).
 */
export type RecordOutput =
  | { readonly type: 'ok'; readonly value?: Value }
  | { readonly type: 'fail' }
  | { readonly type: 'info' };

/** One operation of a history, as Porcupine's `Operation` with Jepsen's three outcomes. */
export interface HistoryRecord {
  /** Position in the history, in invocation order, from 0. */
  readonly id: number;
  /** The client (Jepsen "process") that issued it. */
  readonly clientId: number;
  /** Invocation time, in the history's unit (µs for the lab, ns for Jepsen, event index for logs). */
  readonly call: number;
  /** Completion time, same unit; null when the outcome is unknown (`info`): returns at +∞. */
  readonly return: number | null;
  readonly input: RecordInput;
  readonly output: RecordOutput;
}
