/** Raft settings, in ms of a node's local clock; the replica turns them into ticks. */
export interface RaftSettings {
  /** Election timeout drawn uniformly from [min, max] at each reset (§5.2). */
  readonly electionTimeoutMs: readonly [number, number];
  readonly heartbeatMs: number;
  /** §9.6 of the dissertation: a pre-vote round before bumping the term. */
  readonly preVote: boolean;
  /** A leader that has not heard from a majority for an election timeout steps down. */
  readonly checkQuorum: boolean;
  /** Lease length for `lease` reads; must stay below the election timeout. */
  readonly leaseMs: number;
  /** The clock-drift bound the lease assumes (ppm): the lease shrinks by it. */
  readonly clockDriftBoundPpm: number;
  /** Take a snapshot and compact the log after this many applied entries. */
  readonly snapshotEveryEntries: number;
  /** Most entries in one AppendEntries. */
  readonly maxEntriesPerAppend: number;
}

export const raftSettingsDefault: RaftSettings = {
  electionTimeoutMs: [150, 300],
  heartbeatMs: 50,
  preVote: true,
  checkQuorum: true,
  leaseMs: 100,
  clockDriftBoundPpm: 100_000,
  snapshotEveryEntries: 1000,
  maxEntriesPerAppend: 64,
};

/** Viewstamped Replication settings, in ms of a node's local clock. */
export interface VrSettings {
  /** A backup that hears nothing from the primary for a timeout drawn from [min, max] starts a view change (§4.2). */
  readonly viewChangeTimeoutMs: readonly [number, number];
  /** The primary sends Commit when it has sent nothing else for this long (§4.1). */
  readonly commitIntervalMs: number;
  /** Lease length for `lease` reads (§6, loosely synchronised clocks). */
  readonly leaseMs: number;
  readonly clockDriftBoundPpm: number;
  /** Checkpoint and truncate the log after this many committed ops (§5). */
  readonly checkpointEveryOps: number;
  /**
   * Most log entries in one message, as Raft's `maxEntriesPerAppend`. VR's messages do not use it:
   * a Prepare carries one op (§4.1), and a NewState the log after n' up to vr/replica.ts's
   * `stateTransferEntriesMax` (§5.2: state transfer is not the normal case's batching).
   */
  readonly maxEntriesPerMessage: number;
}

export const vrSettingsDefault: VrSettings = {
  viewChangeTimeoutMs: [150, 300],
  commitIntervalMs: 50,
  leaseMs: 100,
  clockDriftBoundPpm: 100_000,
  checkpointEveryOps: 1000,
  maxEntriesPerMessage: 64,
};

/** Multi-Paxos settings (ARCHITECTURE §13), in ms of a node's local clock. */
export interface PaxosSettings {
  /** A node that hears no leader for a timeout drawn from [min, max] runs phase 1 with a higher ballot. */
  readonly electionTimeoutMs: readonly [number, number];
  /** The leader's heartbeat period (failure detection, lease and read rounds, commander retransmits). */
  readonly heartbeatMs: number;
  /**
   * Seeded randomized backoff against duelling proposers (Paxos Made Simple §2.4): a preempted
   * proposer waits a random, growing delay before its next ballot. Off: timeouts are fixed and a
   * preempted proposer retries at once, so two of them can preempt each other forever.
   */
  readonly backoff: boolean;
  /** Longest backoff after repeated preemptions. */
  readonly backoffMaxMs: number;
  /** Master lease (Paxos Made Live §5.2) for `lease` reads; must stay below the election timeout. */
  readonly leaseMs: number;
  /** The clock-drift bound the lease assumes (ppm): the lease shrinks by it. */
  readonly clockDriftBoundPpm: number;
  /** Take a snapshot and compact decisions and accepted pvalues after this many executed slots. */
  readonly snapshotEveryEntries: number;
  /** Paxos Made Moderately Complex's WINDOW: slots a leader may have proposed beyond its first unexecuted one. */
  readonly windowSlots: number;
  /** Most decisions in one catch-up message. */
  readonly maxEntriesPerMessage: number;
  /** Flexible Paxos: acceptors a phase-1 quorum needs (null: a majority). */
  readonly phase1Quorum: number | null;
  /** Flexible Paxos: acceptors a phase-2 quorum needs (null: a majority); |Q1| + |Q2| > N. */
  readonly phase2Quorum: number | null;
}

export const paxosSettingsDefault: PaxosSettings = {
  electionTimeoutMs: [150, 300],
  heartbeatMs: 50,
  backoff: true,
  backoffMaxMs: 2000,
  leaseMs: 100,
  clockDriftBoundPpm: 100_000,
  snapshotEveryEntries: 1000,
  windowSlots: 64,
  maxEntriesPerMessage: 64,
  phase1Quorum: null,
  phase2Quorum: null,
};
