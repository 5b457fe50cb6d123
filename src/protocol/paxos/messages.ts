import type { NodeId, Slot } from '../../base/ids';
import type { KvLogCommand } from '../../kv/command';
import type { KvSnapshot } from '../../kv/store';

/**
 * Messages of Multi-Paxos as Paxos Made Moderately Complex names them (p1a, p1b, p2a, p2b,
 * decision), plus the heartbeats that elect and confirm a leader, catch-up of lagging replicas
 * and the forwarded local writes of ARCHITECTURE §5. Plain data with a `kind` tag; the sender is the
 * transport's `from`.
 */

/**
 * A ballot (PMMC §3: "a lexicographically ordered pair of an integer and the identifier of the
 * ballot's leader"). Paxos Made Simple §2.5: "Different proposers choose their numbers from
 * disjoint sets of numbers", which the node id in the pair guarantees.
 */
export interface Ballot {
  readonly round: number;
  readonly node: NodeId;
}

/** The ballot below every real one (no promise made yet). */
export const ballotZero: Ballot = { round: 0, node: '' as NodeId };

/** Lexicographic order: round, then the leader's id. */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.round !== b.round) return a.round < b.round ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

export function sameBallot(a: Ballot, b: Ballot): boolean {
  return a.round === b.round && a.node === b.node;
}

/** `3.n2`: how traces and the cluster view print a ballot. */
export function formatBallot(ballot: Ballot): string {
  return ballot.round === 0 ? '0' : `${ballot.round}.${ballot.node}`;
}

/**
 * A ballot as one number that keeps the lexicographic order (round × 10 + the node's digit;
 * node ids are n1 … n9), reported as the `term` of role events so that "one leader per term"
 * reads "one leader per ballot" for the generic checks and charts.
 */
export function ballotNumber(ballot: Ballot): number {
  if (ballot.round === 0) return 0;
  return ballot.round * 10 + Number(ballot.node.slice(1));
}

/** The inverse of `ballotNumber`, printed as `formatBallot` does (`31` → `3.n1`). */
export function formatBallotNumber(value: number): string {
  if (value <= 0) return '0';
  return `${Math.floor(value / 10)}.n${value % 10}`;
}

/** The command decided in a slot: a client's command, or null for the no-op that fills a hole (PMS §3). */
export type SlotCommand = KvLogCommand | null;

/** PMMC's pvalue ⟨b, s, c⟩: the acceptor accepted command c for slot s in ballot b. */
export interface PValue {
  readonly ballot: Ballot;
  readonly slot: Slot;
  readonly command: SlotCommand;
}

/** One decided slot, as Decision and catch-up carry it, with the ballot that chose it. */
export interface Decision {
  readonly slot: Slot;
  readonly command: SlotCommand;
  readonly ballot: Ballot;
}

/** The state machine after executing every slot up to `slot`; decisions and pvalues at or below it are compacted away. */
export interface PaxosSnapshot {
  readonly slot: Slot;
  readonly state: KvSnapshot;
}

export type PaxosMessage =
  | {
      /** Phase 1a (PMS §2.2 "prepare request"): for every slot from `fromSlot` on, at once (PMS §3). */
      readonly kind: 'P1a';
      readonly ballot: Ballot;
      readonly fromSlot: Slot;
    }
  | {
      /**
       * Phase 1b: the acceptor's ballot after the request (equal to the request's ballot when it
       * promised), and every pvalue it accepted from `fromSlot` on. `snapshotSlot`: slots at or
       * below it are decided and compacted here, so they are not reported.
       */
      readonly kind: 'P1b';
      readonly ballot: Ballot;
      readonly requested: Ballot;
      readonly accepted: readonly PValue[];
      readonly snapshotSlot: Slot;
    }
  | {
      /** Phase 2a (PMS §2.2 "accept request"): one slot of a pipelined window. */
      readonly kind: 'P2a';
      readonly pvalue: PValue;
    }
  | {
      /** Phase 2b: the acceptor's ballot after the request; equal to the proposal's when it accepted. */
      readonly kind: 'P2b';
      readonly ballot: Ballot;
      readonly slot: Slot;
    }
  | {
      /** PMMC's decision message: the leader learned these slots were chosen (PMS §2.3, one distinguished learner). */
      readonly kind: 'Decide';
      readonly decisions: readonly Decision[];
    }
  | {
      /** The leader's heartbeat: failure detection, and a round that confirms it still leads (reads, leases). */
      readonly kind: 'Heartbeat';
      readonly ballot: Ballot;
      readonly round: number;
      /** Every slot up to here is decided and executed at the leader. */
      readonly executedSlot: Slot;
    }
  | {
      readonly kind: 'HeartbeatReply';
      /** The acceptor's ballot; equal to the heartbeat's when it still follows that leader. */
      readonly ballot: Ballot;
      readonly round: number;
      readonly executedSlot: Slot;
    }
  | {
      /** A lagging replica asks a peer that is ahead for the decisions from `fromSlot` on. */
      readonly kind: 'CatchUp';
      readonly fromSlot: Slot;
    }
  | {
      /** Decisions from the asked slot on; a snapshot first when the asked slot is compacted away. */
      readonly kind: 'CatchUpReply';
      readonly snapshot: PaxosSnapshot | null;
      readonly decisions: readonly Decision[];
    }
  | {
      /** ARCHITECTURE §5 (AP): writes accepted with write ack `local`, forwarded to the leader until executed. */
      readonly kind: 'ForwardWrites';
      readonly writes: readonly KvLogCommand[];
    };

export type PaxosMessageKind = PaxosMessage['kind'];

/**
 * What must be durable before the messages and replies of the same batch leave. PMS §2.3: "An
 * acceptor must remember this information even if it fails and then restarts … an acceptor
 * records its intended response in stable storage before actually sending the response."
 */
export type PaxosPersistRecord =
  | { readonly kind: 'promise'; readonly ballot: Ballot }
  | { readonly kind: 'accept'; readonly pvalue: PValue }
  /** A decided slot: a restart executes it again without asking anyone. */
  | { readonly kind: 'decide'; readonly decision: Decision }
  /** A snapshot; decisions and pvalues at or below its slot are dropped. */
  | { readonly kind: 'snapshot'; readonly snapshot: PaxosSnapshot };

/** A Paxos node's disk image: plain data, updated in place by `applyPaxosPersist`. */
export interface PaxosDisk {
  readonly promised: Ballot;
  /** slot → the pvalue accepted there with the highest ballot. */
  readonly accepted: { readonly [slot: number]: PValue };
  /** slot → decided command, above the snapshot. */
  readonly decisions: { readonly [slot: number]: Decision };
  readonly snapshot: PaxosSnapshot | null;
}

/** Bytes of one command (as Raft's entrySize counts them). */
function commandSize(command: SlotCommand): number {
  if (command === null) return 4;
  const inner = command.command;
  let size = 16 + inner.key.length + (command.timestamp === undefined ? 0 : 20);
  if (inner.f === 'write') size += inner.value.length;
  if (inner.f === 'cas') size += (inner.from?.length ?? 0) + inner.to.length;
  return size;
}

const ballotSize = 12;

/** Approximate encoded size in bytes of a message. */
export function paxosMessageSize(message: PaxosMessage): number {
  const header = 32;
  switch (message.kind) {
    case 'P1a':
      return header + ballotSize + 8;
    case 'P1b':
      return header + 2 * ballotSize + 8 + message.accepted.reduce((sum, pvalue) => sum + ballotSize + 8 + commandSize(pvalue.command), 0);
    case 'P2a':
      return header + ballotSize + 8 + commandSize(message.pvalue.command);
    case 'P2b':
      return header + ballotSize + 8;
    case 'Decide':
    case 'CatchUpReply': {
      let size = header + message.decisions.reduce((sum, decision) => sum + 8 + ballotSize + commandSize(decision.command), 0);
      if (message.kind === 'CatchUpReply' && message.snapshot !== null) {
        const state = message.snapshot.state;
        size += 8 + state.values.reduce((sum, [key, value]) => sum + key.length + value.length + 8, 0) + state.sessions.length * 24;
      }
      return size;
    }
    case 'Heartbeat':
    case 'HeartbeatReply':
      return header + ballotSize + 16;
    case 'CatchUp':
      return header + 8;
    case 'ForwardWrites':
      return header + message.writes.reduce((sum, write) => sum + commandSize(write), 0);
  }
}
