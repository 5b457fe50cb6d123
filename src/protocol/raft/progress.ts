import { logIndex, type LogIndex } from '../../base/ids';

/**
 * What a leader knows about one follower (Figure 2, "Volatile state on leaders", plus the flow
 * states of etcd-io/raft's tracker): `probe` sends one AppendEntries at a time until the logs
 * match, `replicate` pipelines appends without waiting for replies, `snapshot` waits for an
 * InstallSnapshot to land.
 */
export interface Progress {
  matchIndex: LogIndex;
  nextIndex: LogIndex;
  state: 'probe' | 'replicate' | 'snapshot';
  /** Probe: an AppendEntries is out and unanswered; send no more until a reply or the next heartbeat. */
  paused: boolean;
  /** Snapshot: the index of the snapshot in flight. */
  pendingSnapshotIndex: LogIndex;
  /** Heartbeats broadcast since the snapshot left; it is re-sent after a few. */
  heartbeatsSinceSnapshot: number;
  /** matchIndex at the previous heartbeat; no progress over a whole interval means appends were lost. */
  matchIndexAtLastHeartbeat: LogIndex;
  /** The highest broadcast round this follower answered in the current term (§8 ReadIndex, lease). */
  acknowledgedRound: number;
  /** Heard from in the current CheckQuorum window. */
  recentActive: boolean;
}

export function newProgress(lastIndex: LogIndex): Progress {
  return {
    matchIndex: logIndex(0),
    nextIndex: logIndex(lastIndex + 1),
    state: 'probe',
    paused: false,
    pendingSnapshotIndex: logIndex(0),
    heartbeatsSinceSnapshot: 0,
    matchIndexAtLastHeartbeat: logIndex(0),
    acknowledgedRound: 0,
    recentActive: false,
  };
}

export function becomeProbe(progress: Progress): void {
  progress.state = 'probe';
  progress.paused = false;
  progress.nextIndex = logIndex(progress.matchIndex + 1);
}

export function becomeReplicate(progress: Progress): void {
  progress.state = 'replicate';
  progress.paused = false;
  progress.nextIndex = logIndex(Math.max(progress.nextIndex, progress.matchIndex + 1));
}

export function becomeSnapshot(progress: Progress, snapshotIndex: LogIndex): void {
  progress.state = 'snapshot';
  progress.paused = false;
  progress.pendingSnapshotIndex = snapshotIndex;
  progress.heartbeatsSinceSnapshot = 0;
}
