import { assertNever } from '../../base/assert';
import type { OpNumber, ViewNumber } from '../../base/ids';
import type { KvCommand, KvLogCommand } from '../../kv/command';
import type { KvSnapshot } from '../../kv/store';

/**
 * Messages of Viewstamped Replication Revisited (Liskov & Cowling 2012), as plain data with a
 * `kind` tag. Field names follow the paper (view-number v, op-number n, commit-number k); the
 * sender's id is the transport's `from`, so the paper's `i` is not repeated in the payload.
 */

/** One log entry: the request, the op-number it was given, and the view it was prepared in. */
export interface VrLogEntry {
  readonly opNumber: OpNumber;
  /** The view in which the primary assigned this op-number (reported as `term` in `apply`). */
  readonly viewNumber: ViewNumber;
  readonly command: KvLogCommand;
}

/**
 * A checkpoint (§5.1): the service state after executing every op up to `opNumber`. Only
 * executed, hence committed, ops are ever checkpointed.
 */
export interface VrCheckpoint {
  readonly opNumber: OpNumber;
  readonly snapshot: KvSnapshot;
}

/**
 * A replica's state as carried by DoViewChange, StartView and the primary's RecoveryResponse:
 * a checkpoint at the sender's executed op-number, then every log entry after it. A receiver
 * that has executed past the checkpoint keeps its own state and takes only the entries; one that
 * has not installs the checkpoint first. This keeps view-change messages proportional to the
 * uncommitted suffix (§5.3) while never needing a second round trip.
 */
export interface VrLogState {
  readonly checkpoint: VrCheckpoint;
  /** Entries checkpoint.opNumber + 1 … opNumber, in order. */
  readonly entries: readonly VrLogEntry[];
  readonly opNumber: OpNumber;
  readonly commitNumber: OpNumber;
}

/** §4.1 step 3: the primary's ⟨PREPARE v, m, n, k⟩. */
export interface PrepareMessage {
  readonly kind: 'Prepare';
  readonly viewNumber: ViewNumber;
  readonly entry: VrLogEntry;
  readonly commitNumber: OpNumber;
  /** The latest confirmation round the primary had started when it sent this (reads.ts). */
  readonly roundNumber: number;
}

/** §4.1 step 4: ⟨PREPAREOK v, n, i⟩. Cumulative: the backup holds every op up to `opNumber`. */
export interface PrepareOkMessage {
  readonly kind: 'PrepareOk';
  readonly viewNumber: ViewNumber;
  readonly opNumber: OpNumber;
  readonly roundNumber: number;
}

/** §4.1 step 6: ⟨COMMIT v, k⟩, sent when the primary is idle; it starts a confirmation round. */
export interface CommitMessage {
  readonly kind: 'Commit';
  readonly viewNumber: ViewNumber;
  readonly commitNumber: OpNumber;
  readonly roundNumber: number;
}

/**
 * Not in the paper: a backup's answer to Commit. It confirms to the primary that it is still
 * primary (linearizable reads) and grants it a lease (§6), and carries the backup's op-number
 * as a cumulative PrepareOk so a lost PrepareOk does not stall the commit.
 */
export interface CommitOkMessage {
  readonly kind: 'CommitOk';
  readonly viewNumber: ViewNumber;
  readonly roundNumber: number;
  readonly opNumber: OpNumber;
}

/** §4.2 step 1: ⟨STARTVIEWCHANGE v, i⟩. */
export interface StartViewChangeMessage {
  readonly kind: 'StartViewChange';
  readonly viewNumber: ViewNumber;
}

/** §4.2 step 2: ⟨DOVIEWCHANGE v, l, v', n, k, i⟩ with v' = `lastNormalView`. */
export interface DoViewChangeMessage {
  readonly kind: 'DoViewChange';
  readonly viewNumber: ViewNumber;
  readonly lastNormalView: ViewNumber;
  readonly state: VrLogState;
}

/** §4.2 step 3: ⟨STARTVIEW v, l, n, k⟩. */
export interface StartViewMessage {
  readonly kind: 'StartView';
  readonly viewNumber: ViewNumber;
  readonly state: VrLogState;
}

/** §4.3 step 1: ⟨RECOVERY i, x⟩. */
export interface RecoveryMessage {
  readonly kind: 'Recovery';
  readonly nonce: number;
}

/** §4.3 step 2: ⟨RECOVERYRESPONSE v, x, l, n, k, j⟩; only the primary fills in its state. */
export interface RecoveryResponseMessage {
  readonly kind: 'RecoveryResponse';
  readonly viewNumber: ViewNumber;
  readonly nonce: number;
  readonly state: VrLogState | null;
}

/** §5.2: ⟨GETSTATE v, n', i⟩: "send me what follows op n'". */
export interface GetStateMessage {
  readonly kind: 'GetState';
  readonly viewNumber: ViewNumber;
  readonly opNumber: OpNumber;
}

/**
 * §5.2: ⟨NEWSTATE v, l, n, k⟩, extended for checkpoints: when the requester asks for ops that
 * the responder has already truncated, `checkpoint` carries the responder's checkpoint and
 * `entries` follow it; otherwise `checkpoint` is null and `entries` follow the requested op.
 * At most `stateTransferEntriesMax` entries travel at once; `opNumber` is the responder's
 * op-number, so the requester knows whether to ask again.
 */
export interface NewStateMessage {
  readonly kind: 'NewState';
  readonly viewNumber: ViewNumber;
  readonly checkpoint: VrCheckpoint | null;
  readonly entries: readonly VrLogEntry[];
  readonly opNumber: OpNumber;
  readonly commitNumber: OpNumber;
}

/**
 * Not in the paper (ARCHITECTURE §5, AP): writes a replica accepted with write ack `local`, forwarded
 * to the primary of its view, oldest first, until the replica sees them executed.
 */
export interface ForwardWritesMessage {
  readonly kind: 'ForwardWrites';
  readonly viewNumber: ViewNumber;
  readonly writes: readonly KvLogCommand[];
}

export type VrMessage =
  | PrepareMessage
  | PrepareOkMessage
  | CommitMessage
  | CommitOkMessage
  | StartViewChangeMessage
  | DoViewChangeMessage
  | StartViewMessage
  | RecoveryMessage
  | RecoveryResponseMessage
  | GetStateMessage
  | NewStateMessage
  | ForwardWritesMessage;

export type VrMessageKind = VrMessage['kind'];

/** VR keeps no durable state (§4.3: replicas recover from their peers), so nothing is persisted. */
export type VrPersistRecord = never;
export type VrDisk = never;

// ---- Sizes -------------------------------------------------------------------------------------

/** Bytes of a fixed-size message header (kind, view-number) as a binary encoding would take. */
const headerBytes = 16;
const numberBytes = 8;

function commandBytes(command: KvCommand): number {
  switch (command.f) {
    case 'read':
      return 1 + command.key.length;
    case 'write':
      return 1 + command.key.length + command.value.length;
    case 'cas':
      return 1 + command.key.length + (command.from?.length ?? 0) + command.to.length;
    default:
      return assertNever(command, 'kv command');
  }
}

function entryBytes(entry: VrLogEntry): number {
  // op-number, view-number, then the logged command.
  return 2 * numberBytes + logCommandBytes(entry.command);
}

function logCommandBytes(command: KvLogCommand): number {
  // client id, sequence, the timestamp when stamped (wall µs, counter, node), then the command itself.
  return 2 * numberBytes + (command.timestamp === undefined ? 0 : 2 * numberBytes + 4) + commandBytes(command.command);
}

function entriesBytes(entries: readonly VrLogEntry[]): number {
  let total = numberBytes; // the count
  for (const entry of entries) total += entryBytes(entry);
  return total;
}

function snapshotBytes(snapshot: KvSnapshot): number {
  let total = 2 * numberBytes;
  for (const [key, value] of snapshot.values) total += key.length + value.length + 2;
  for (const [, record] of snapshot.sessions) {
    total += 2 * numberBytes + 1;
    if (record.result.type === 'ok' && typeof record.result.value === 'string') total += record.result.value.length;
  }
  return total;
}

function checkpointBytes(checkpoint: VrCheckpoint | null): number {
  return checkpoint === null ? 1 : numberBytes + snapshotBytes(checkpoint.snapshot);
}

function logStateBytes(state: VrLogState): number {
  return 2 * numberBytes + checkpointBytes(state.checkpoint) + entriesBytes(state.entries);
}

/** Approximate encoded size in bytes (ARCHITECTURE §12: bytes per command). */
export function vrMessageSize(message: VrMessage): number {
  switch (message.kind) {
    case 'Prepare':
      return headerBytes + 2 * numberBytes + entryBytes(message.entry);
    case 'PrepareOk':
    case 'CommitOk':
      return headerBytes + 2 * numberBytes;
    case 'Commit':
      return headerBytes + 2 * numberBytes;
    case 'StartViewChange':
      return headerBytes;
    case 'DoViewChange':
      return headerBytes + numberBytes + logStateBytes(message.state);
    case 'StartView':
      return headerBytes + logStateBytes(message.state);
    case 'Recovery':
      return headerBytes + numberBytes;
    case 'RecoveryResponse':
      return headerBytes + numberBytes + (message.state === null ? 1 : logStateBytes(message.state));
    case 'GetState':
      return headerBytes + numberBytes;
    case 'NewState':
      return headerBytes + 2 * numberBytes + checkpointBytes(message.checkpoint) + entriesBytes(message.entries);
    case 'ForwardWrites':
      return headerBytes + numberBytes + message.writes.reduce((total, command) => total + logCommandBytes(command), 0);
    default:
      return assertNever(message, 'vr message');
  }
}
