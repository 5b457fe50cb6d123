import type { NodeId } from '../base/ids';
import { limits } from '../base/limits';
import type { Prng } from '../base/prng';
import type { ClientReply, ClientRequest } from '../kv/command';

/**
 * The replica contract (ARCHITECTURE §2), sans-IO as etcd's raft does it. A protocol is a
 * deterministic state machine: it reads no clock, draws no unseeded randomness, sets no timer
 * and does no I/O. The host feeds it inputs and carries out the outputs it drains with `ready()`.
 */
export interface Replica<Message, PersistRecord> {
  readonly id: NodeId;
  /** One logical tick: `tickMs` of this node's local clock has passed. */
  tick(): void;
  /** A message from another replica. */
  receive(from: NodeId, message: Message): void;
  /** A client request routed to this replica. */
  request(request: ClientRequest): void;
  /**
   * Drains everything queued since the last call as one batch. Host rule: the batch's `persist`
   * records are made durable before any of its `messages` or `replies` leave.
   */
  ready(): Ready<Message, PersistRecord>;
  /** The replica's state for observation (charts, cluster view, invariants). */
  view(): ReplicaView;
  /** Per-node state invariants; each broken one as an English sentence. Empty when all hold. */
  checkInvariants(): string[];
  /** The replica's applied key-value state (key → value), for divergence checks between replicas. */
  keyValues(): ReadonlyMap<string, string>;
}

/** One batch of outputs, in the order the host must carry them out. */
export interface Ready<Message, PersistRecord> {
  /** Durable before anything below leaves. */
  readonly persist: PersistRecord[];
  readonly messages: Array<Outbound<Message>>;
  readonly replies: ClientReply[];
  readonly events: ObservedEvent[];
}

export interface Outbound<Message> {
  readonly to: NodeId;
  readonly message: Message;
}

/** Roles across protocols; Raft uses the first four, VR the rest. */
export type Role =
  | 'follower'
  | 'pre-candidate'
  | 'candidate'
  | 'leader'
  | 'backup'
  | 'primary'
  | 'view-change'
  | 'recovering';

/** What a replica exposes for observation. */
export interface ReplicaView {
  readonly id: NodeId;
  readonly role: Role;
  /** Raft term or VR view number. */
  readonly term: number;
  /** Who this replica believes leads (Raft) or is primary (VR), if anyone. */
  readonly leader: NodeId | null;
  /** Raft commitIndex or VR commit-number. */
  readonly commitIndex: number;
  /** Highest log position applied to the state machine. */
  readonly appliedIndex: number;
  /** Highest log position held (Raft last log index, VR op-number). */
  readonly lastIndex: number;
  /** Log positions at or below this one live only in the snapshot/checkpoint. */
  readonly snapshotIndex: number;
  /** Entries held in memory (bounded by compaction). */
  readonly logEntryCount: number;
  /** Multi-Paxos only: the pvalues its acceptor holds (one per slot above the snapshot). */
  readonly acceptedCount?: number;
}

/**
 * Events a replica reports for traces, charts and cluster-wide safety checks.
 * `apply` digests (see kv/command.ts `commandDigest`) let the host check state-machine safety.
 */
export type ObservedEvent =
  | { readonly kind: 'role'; readonly role: Role; readonly term: number; readonly leader: NodeId | null }
  | { readonly kind: 'commit'; readonly commitIndex: number }
  | { readonly kind: 'apply'; readonly index: number; readonly term: number; readonly digest: string }
  | { readonly kind: 'snapshot'; readonly index: number }
  /** Log facts (protocol/logFacts.ts): entries `from`…`to` of one term/view/ballot written; `commands` when this replica proposed them. */
  | { readonly kind: 'log-append'; readonly from: number; readonly to: number; readonly term: number; readonly commands?: readonly string[] }
  /** Entries from `from` on removed. */
  | { readonly kind: 'log-truncate'; readonly from: number }
  /** After a restart the log is what the disk held: `runs` of [from, to, term], after the snapshot boundary. */
  | { readonly kind: 'log-restore'; readonly snapshotIndex: number; readonly runs: ReadonlyArray<readonly [number, number, number]> }
  /** The highest index applied to the state machine, once per batch in which it moved. */
  | { readonly kind: 'applied'; readonly index: number }
  /** `from`: the replica that sent the message, or for a client request the client (`clientSender`). */
  | { readonly kind: 'ignored'; readonly message: string; readonly from: NodeId | ClientSender; readonly reason: string };

/** How an `ignored` event names the client whose request was ignored: "client 3". */
export type ClientSender = `client ${number}`;

export function clientSender(clientId: number): ClientSender {
  return `client ${clientId}`;
}

/** What a host hands a replica when it starts it. */
export interface ReplicaOptions<Settings, Disk> {
  readonly id: NodeId;
  /** Every replica of the cluster, this one included, in a fixed order (VR: the configuration). */
  readonly replicas: readonly NodeId[];
  readonly settings: Settings;
  /** Length of one tick of the local clock, in ms. */
  readonly tickMs: number;
  /** This node's stream, for election timeouts and nonces. */
  readonly prng: Prng;
  /** The durable state the node left behind, null on first start or after losing its disk. */
  readonly disk: Disk | null;
  /** 0 on first start; incremented by every restart (VR: a restart runs recovery). */
  readonly incarnation: number;
  /** Unsafe switches turned on (ARCHITECTURE §6); each disables one safety rule on purpose. */
  readonly unsafe: ReadonlySet<UnsafeSwitch>;
  /** The node's local clock in µs, skewed by its offset and drift (for HLC timestamps). */
  readonly localClockUs: () => number;
}

/** The protocols the lab hosts (ARCHITECTURE §1). */
export const protocolNames = ['raft', 'vr', 'paxos'] as const;
export type ProtocolName = (typeof protocolNames)[number];

/** Every unsafe switch of ARCHITECTURE §6. */
export const unsafeSwitches = [
  'commitPriorTermByCount',
  'voteWithoutLogCheck',
  'replyBeforePersist',
  'leaseWithoutClockBound',
  'startViewWithOwnLog',
  'acceptWithoutPromiseCheck',
  'ignoreHighestBallot',
  'nonIntersectingQuorums',
  'acceptorForgetsPromise',
] as const;
export type UnsafeSwitch = (typeof unsafeSwitches)[number];

/** A protocol as a host sees it: how to build a replica and how to keep its durable state. */
export interface ProtocolDefinition<Settings, Message, PersistRecord, Disk> {
  readonly name: ProtocolName;
  create(options: ReplicaOptions<Settings, Disk>): Replica<Message, PersistRecord>;
  /**
   * Applies persist records to a disk image and returns the new image. The host owns the image,
   * so this may update it in place (a disk is written, not copied); a replica must therefore copy
   * whatever it keeps from `ReplicaOptions.disk` on restart, and a host that wants to keep an old
   * image (a replay, a snapshot for the UI) copies it before the next call.
   */
  applyPersist(disk: Disk | null, records: readonly PersistRecord[]): Disk | null;
  /** The message's kind, for traces, per-kind counters and filters. */
  messageKind(message: Message): string;
  /**
   * A heartbeat: a message that carries no entries, only liveness and the commit point (Raft's
   * empty AppendEntries, VR's Commit and CommitOk, Multi-Paxos's Heartbeat and its reply). The
   * trace marks them so the animation and the diagram can hide them.
   */
  isHeartbeat(message: Message): boolean;
  /** Approximate encoded size in bytes, for the bytes-per-command limits. */
  messageSize(message: Message): number;
  /**
   * A checker of cluster-wide invariants (log matching, leader completeness …) that the
   * simulator calls after steps with every live replica. It may remember what it saw (what was
   * committed, who led which term) across calls.
   */
  createClusterChecker(): ClusterChecker<Message, PersistRecord>;
  /**
   * The replica's safety facts as plain data, for a host whose replicas live elsewhere (the live
   * runtime's cluster check, ARCHITECTURE §6): no objects of the protocol's, only numbers and digests.
   */
  safetyFacts(replica: Replica<Message, PersistRecord>): SafetyFacts;
}

/**
 * What one replica holds that cluster-wide safety is judged on, as plain data: the era it is in
 * (Raft term, VR view, Multi-Paxos leader ballot) and whether it leads it, and the digests
 * (`commandDigest`) of the committed entries it still holds, oldest first — at most
 * `limits.safetyFactsEntriesMax`, the newest ones.
 */
export interface SafetyFacts {
  readonly node: NodeId;
  readonly eraName: 'term' | 'view' | 'ballot';
  /** The era as printed ("7", "3.n2"): two leaders of one era break election safety. */
  readonly era: string;
  readonly leads: boolean;
  readonly commitIndex: number;
  /** The log index (VR op-number, Paxos slot) of `committed[0]`. */
  readonly committedFrom: number;
  readonly committed: readonly string[];
}

/** The committed digests of `from..to` as facts hold them: the newest `limits.safetyFactsEntriesMax`. */
export function committedDigests(from: number, to: number, digestAt: (index: number) => string): { committedFrom: number; committed: string[] } {
  const first = Math.max(from, to - limits.safetyFactsEntriesMax + 1);
  const committed: string[] = [];
  for (let index = first; index <= to; index++) committed.push(digestAt(index));
  return { committedFrom: first, committed };
}

export interface ClusterChecker<Message, PersistRecord> {
  /** Each broken invariant as an English sentence; empty when all hold. */
  check(replicas: ReadonlyArray<Replica<Message, PersistRecord>>): string[];
}
