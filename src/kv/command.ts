import type { ClientId, NodeId, RequestId } from '../base/ids';
import { formatHlc, type HlcTimestamp } from './hlc';

/** A client's operation on the key-value registers. Every written value is unique in a run. */
export type KvCommand =
  | { readonly f: 'read'; readonly key: string }
  | { readonly f: 'write'; readonly key: string; readonly value: string }
  | { readonly f: 'cas'; readonly key: string; readonly from: string | null; readonly to: string };

/** Why a request definitely did not take effect. */
export type FailReason =
  | 'cas-mismatch' // the comparison of a cas did not hold
  | 'not-leader' // this replica cannot serve the request; see leaderHint
  | 'recovering' // VR: the replica is still recovering
  | 'unavailable'; // the replica knows it cannot serve the request now

/** The outcome of a request as a replica reports it. `read` results carry the value (null: never written). */
export type KvResult =
  | { readonly type: 'ok'; readonly value?: string | null }
  | { readonly type: 'fail'; readonly reason: FailReason };

/** Write acknowledgement (ARCHITECTURE §5), strong to weak. */
export type WriteAck = 'quorum' | 'leader' | 'local';
/**
 * Read path (ARCHITECTURE §5). The leader's paths, strong to weak: linearizable, lease, leader;
 * any replica's: sync (ZooKeeper sync + read), session (the client's last-seen position),
 * majority (majority-committed state), local (its state and pending local writes). See
 * protocol/sessionReads.ts for the shared three.
 */
export type ReadPath = 'linearizable' | 'lease' | 'leader' | 'sync' | 'session' | 'majority' | 'local';
export const readPaths: readonly ReadPath[] = ['linearizable', 'lease', 'leader', 'sync', 'session', 'majority', 'local'];

/** How a replica must serve one request; fixed when the request is issued. */
export interface ConsistencyPolicy {
  readonly write: WriteAck;
  readonly read: ReadPath;
}

export const policyCp: ConsistencyPolicy = { write: 'quorum', read: 'linearizable' };
export const policyAp: ConsistencyPolicy = { write: 'local', read: 'local' };

/** A request as it reaches a replica. */
export interface ClientRequest {
  readonly requestId: RequestId;
  readonly clientId: ClientId;
  /** Per-client sequence number: a retry keeps it, so the state machine applies it once. */
  readonly sequence: number;
  readonly command: KvCommand;
  readonly policy: ConsistencyPolicy;
  /**
   * Read paths `session` and `sync`: the highest log position the client's session has seen (its
   * writes' and reads' answers carried it); the replica answers once it has applied at least this.
   * Absent on a `sync` read's first step, which the leader confirms.
   */
  readonly afterIndex?: number;
}

/** A replica's answer to one request. */
export interface ClientReply {
  readonly requestId: RequestId;
  readonly clientId: ClientId;
  readonly result: KvResult;
  /** Who the replica believes leads (Raft) or is primary (VR), for redirects. */
  readonly leaderHint: NodeId | null;
  /** Read paths `session` and `sync`: the log position this answer reflects, for the client's session. */
  readonly index?: number;
}

/** The command as it is stored in a replicated log. */
export interface KvLogCommand {
  readonly clientId: ClientId;
  readonly sequence: number;
  readonly command: KvCommand;
  /**
   * The hybrid-logical-clock timestamp the write merges by, last-writer-wins (ARCHITECTURE §5): from
   * the accepting replica for a `local` write, from the leader/primary's clock when it appends
   * any other write. Absent only in hand-built entries; an unstamped write always takes effect.
   */
  readonly timestamp?: HlcTimestamp;
}

/**
 * Digest of a log entry's payload, to compare what two replicas applied at one index, and what
 * the violation oracle replays: `c<client>#<sequence>:<f>:<key>` then, for a stamped entry,
 * `@<wallUs>.<logical>.<node>` (the oracle splits at the last `@`, so a key may hold one).
 * Deterministic: the same entry gives the same text on every replica.
 */
export function commandDigest(entry: KvLogCommand | null): string {
  if (entry === null) return 'noop';
  const base = `c${entry.clientId}#${entry.sequence}:${entry.command.f}:${entry.command.key}`;
  return entry.timestamp === undefined ? base : `${base}@${formatHlc(entry.timestamp)}`;
}
