import type { MessageFields } from './messageFields';
import type { Role } from '../protocol/replica';
import type { OperationInput, OperationOutput } from './operation';

/** Version of the `trace.jsonl` schema; a reader refuses other versions. */
export const traceFormat = 'caplab-trace/1';

/**
 * One line of `trace.jsonl` (ARCHITECTURE §9). `t` is µs of true (global) time. The first line of a
 * file is a `header`. Messages carry their kind and id, and a send line a compact summary of the
 * message's fields for the replay (scalars and array lengths, never a whole log); a run is reproduced
 * exactly from the experiment, the seed and the recorded actions, so payloads need not be kept.
 */
export type TraceEvent =
  | { readonly t: number; readonly kind: 'header'; readonly format: typeof traceFormat; readonly experiment: string; readonly protocol: string; readonly seed: number; readonly nodes: readonly string[] }
  /** `heartbeat`: the message carries no entries (ProtocolDefinition.isHeartbeat), so views may hide it; absent otherwise. */
  /** `fields`: the message's summary (src/history/messageFields.ts: scalars, array lengths), absent when it has none. */
  | { readonly t: number; readonly kind: 'send'; readonly id: number; readonly from: string; readonly to: string; readonly message: string; readonly fields?: MessageFields; readonly heartbeat?: true }
  | { readonly t: number; readonly kind: 'deliver'; readonly id: number; readonly from: string; readonly to: string; readonly message: string; readonly heartbeat?: true }
  | { readonly t: number; readonly kind: 'drop'; readonly id: number; readonly from: string; readonly to: string; readonly message: string; readonly reason: string; readonly heartbeat?: true }
  | { readonly t: number; readonly kind: 'role'; readonly node: string; readonly role: Role; readonly term: number; readonly leader: string | null }
  | { readonly t: number; readonly kind: 'commit'; readonly node: string; readonly commitIndex: number }
  | { readonly t: number; readonly kind: 'snapshot'; readonly node: string; readonly index: number }
  /** Log facts (ARCHITECTURE §9): entries `from`…`to` of one term/view/ballot written at `node`; `commands` when `node` proposed them. */
  | { readonly t: number; readonly kind: 'log-append'; readonly node: string; readonly from: number; readonly to: number; readonly term: number; readonly commands?: readonly string[] }
  | { readonly t: number; readonly kind: 'log-truncate'; readonly node: string; readonly from: number }
  /** After a restart: the log the disk held, as runs of [from, to, term] after `snapshotIndex`. */
  | { readonly t: number; readonly kind: 'log-restore'; readonly node: string; readonly snapshotIndex: number; readonly runs: ReadonlyArray<readonly [number, number, number]> }
  | { readonly t: number; readonly kind: 'applied'; readonly node: string; readonly index: number }
  | { readonly t: number; readonly kind: 'ignored'; readonly node: string; readonly from: string; readonly message: string; readonly reason: string }
  | { readonly t: number; readonly kind: 'node'; readonly node: string; readonly action: 'crash' | 'restart' | 'pause' | 'resume' | 'worker-died'; readonly detail?: string }
  | { readonly t: number; readonly kind: 'fault'; readonly fault: string; readonly detail: string }
  /** `intended`: when the client's schedule meant it to start, present when that was before `t` (ARCHITECTURE §5). */
  | { readonly t: number; readonly kind: 'invoke'; readonly op: number; readonly client: number; readonly node: string; readonly input: OperationInput; readonly intended?: number }
  /** `served`: answered definitely within the timeout of the intended start (absent in older traces: ok alone). */
  | { readonly t: number; readonly kind: 'complete'; readonly op: number; readonly client: number; readonly output: OperationOutput; readonly served?: boolean }
  /** An intended operation the client could not issue within its timeout: offered, not served, not in the history. */
  | { readonly t: number; readonly kind: 'missed'; readonly client: number; readonly intended: number }
  /** Each client's home replica (client i+1 at index i) and the clients' timeout. */
  | { readonly t: number; readonly kind: 'clients'; readonly homes: readonly string[]; readonly timeoutMs: number }
  | { readonly t: number; readonly kind: 'invariant'; readonly node: string | null; readonly broken: string }
  | { readonly t: number; readonly kind: 'end'; readonly summary: string };

export type TraceEventKind = TraceEvent['kind'];
