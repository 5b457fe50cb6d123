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
  /** Most log entries in one Prepare catch-up or NewState. */
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
