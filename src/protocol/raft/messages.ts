import type { LogIndex, NodeId, Term } from '../../base/ids';
import type { KvLogCommand } from '../../kv/command';
import type { KvSnapshot } from '../../kv/store';

/** One log entry (Raft Figure 2: "each entry contains command for state machine, and term"). */
export interface RaftEntry {
  readonly index: LogIndex;
  readonly term: Term;
  /** The client command; null is the no-op a new leader appends (§8). */
  readonly command: KvLogCommand | null;
}

/** A snapshot of the state machine (§7): everything up to and including `index`. */
export interface RaftSnapshot {
  readonly index: LogIndex;
  readonly term: Term;
  readonly state: KvSnapshot;
}

/**
 * Every message between Raft replicas (Figure 2 plus §7 InstallSnapshot and the PreVote round of
 * the dissertation §9.6). `round` numbers the leader's broadcast rounds: a reply echoes it, so the
 * leader knows which of its rounds a majority acknowledged (ReadIndex and lease, §8).
 */
export type RaftMessage =
  | {
      readonly kind: 'RequestVote';
      readonly term: Term;
      readonly candidateId: NodeId;
      readonly lastLogIndex: LogIndex;
      readonly lastLogTerm: Term;
    }
  | { readonly kind: 'RequestVoteReply'; readonly term: Term; readonly voteGranted: boolean }
  | {
      /** Sent with the term the pre-candidate would campaign in; nobody changes term for it. */
      readonly kind: 'RequestPreVote';
      readonly term: Term;
      readonly candidateId: NodeId;
      readonly lastLogIndex: LogIndex;
      readonly lastLogTerm: Term;
    }
  | { readonly kind: 'RequestPreVoteReply'; readonly term: Term; readonly voteGranted: boolean }
  | {
      readonly kind: 'AppendEntries';
      readonly term: Term;
      readonly leaderId: NodeId;
      readonly prevLogIndex: LogIndex;
      readonly prevLogTerm: Term;
      readonly entries: readonly RaftEntry[];
      readonly leaderCommit: LogIndex;
      readonly round: number;
    }
  | {
      readonly kind: 'AppendEntriesReply';
      readonly term: Term;
      readonly success: boolean;
      /** On success: the index of the last entry known to match the leader's log. */
      readonly matchIndex: LogIndex;
      /** On failure: the index the follower rejected (the message's prevLogIndex). */
      readonly rejectedIndex: LogIndex;
      /** On failure, fast backtracking: the follower's last index at or below rejectedIndex to probe next … */
      readonly conflictIndex: LogIndex;
      /** … and the term of its entry there (0 when its log is shorter). */
      readonly conflictTerm: Term;
      readonly round: number;
    }
  | {
      readonly kind: 'InstallSnapshot';
      readonly term: Term;
      readonly leaderId: NodeId;
      readonly snapshot: RaftSnapshot;
      readonly round: number;
    }
  | { readonly kind: 'InstallSnapshotReply'; readonly term: Term; readonly matchIndex: LogIndex; readonly round: number }
  | {
      /**
       * Not in the paper (ARCHITECTURE §5, AP): writes a replica accepted with write ack `local`,
       * forwarded to the leader it believes in, oldest first, until it sees them applied. Like
       * etcd's forwarded MsgProp it carries no term meaning: it neither deposes nor is refused by term.
       */
      readonly kind: 'ForwardWrites';
      readonly term: Term;
      readonly writes: readonly KvLogCommand[];
    };

export type RaftMessageKind = RaftMessage['kind'];

/** What must be durable before the messages and replies of the same Ready batch leave (Figure 2, "Persistent state"). */
export type RaftPersistRecord =
  | { readonly kind: 'hard-state'; readonly term: Term; readonly votedFor: NodeId | null }
  /** Entries to store; the first one's index may be at or below the stored last index: the stored log is cut there first. */
  | { readonly kind: 'append'; readonly entries: readonly RaftEntry[] }
  /** A snapshot; stored entries after it survive only if the stored log holds (index, term) (§7). */
  | { readonly kind: 'snapshot'; readonly snapshot: RaftSnapshot };

/** A Raft node's disk image: plain data, rebuilt by `applyPersist`. */
export interface RaftDisk {
  readonly term: Term;
  readonly votedFor: NodeId | null;
  readonly snapshot: RaftSnapshot | null;
  /** Entries after the snapshot (or from index 1), contiguous. */
  readonly entries: readonly RaftEntry[];
}

/** Approximate encoded size in bytes of a message, for the bytes-per-command limits (MIT TestRPCBytes). */
export function raftMessageSize(message: RaftMessage): number {
  const header = 32;
  switch (message.kind) {
    case 'RequestVote':
    case 'RequestPreVote':
      return header + 24;
    case 'RequestVoteReply':
    case 'RequestPreVoteReply':
      return header + 8;
    case 'AppendEntries': {
      let size = header + 40;
      for (const entry of message.entries) size += entrySize(entry);
      return size;
    }
    case 'AppendEntriesReply':
      return header + 40;
    case 'InstallSnapshot':
      return header + 40 + snapshotStateSize(message.snapshot.state);
    case 'InstallSnapshotReply':
      return header + 16;
    case 'ForwardWrites': {
      let size = header + 8;
      for (const command of message.writes) size += entrySize({ index: 0 as LogIndex, term: message.term, command });
      return size;
    }
  }
}

/** Bytes of one entry: index, term, and the command's strings. */
export function entrySize(entry: RaftEntry): number {
  const fixed = 24;
  const command = entry.command;
  if (command === null) return fixed;
  const inner = command.command;
  // client id, sequence, and the timestamp (wall µs, counter, node) when the entry is stamped.
  let size = fixed + 16 + inner.key.length + (command.timestamp === undefined ? 0 : 20);
  if (inner.f === 'write') size += inner.value.length;
  if (inner.f === 'cas') size += (inner.from?.length ?? 0) + inner.to.length;
  return size;
}

function snapshotStateSize(state: KvSnapshot): number {
  let size = 8;
  for (const [key, value] of state.values) size += key.length + value.length + 8;
  size += state.sessions.length * 24;
  return size;
}
