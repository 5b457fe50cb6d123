import { assert } from './assert';

/**
 * Every bound of the engine, named with its qualifier last (TigerBeetle style). Relations
 * between bounds are asserted when this module loads, so a bad edit fails at once.
 */
export const limits = {
  /** Replicas in a cluster: node ids are n1 … n9. */
  nodesMax: 9,
  nodesMin: 1,
  /** Clients in a workload. */
  clientsMax: 256,
  /** Keys in a workload's key space. */
  keysMax: 10_000,
  /** Longest simulated run. */
  durationMsMax: 3_600_000,
  /** Shortest and longest logical tick. */
  tickMsMin: 1,
  tickMsMax: 1000,
  /** Pending events in the simulator's queue before a run is stopped as runaway. */
  simEventsPendingMax: 5_000_000,
  /** Events one simulated run may process. */
  simEventsPerRunMax: 2_000_000_000,
  /** Messages held in a trace's in-memory ring (the rest stream out). */
  traceRingEventsMax: 100_000,
  /** Entries a replica keeps in memory beyond its snapshot before it must compact. */
  logEntriesInMemoryMax: 100_000,
  /** Most entries per replication message. */
  entriesPerMessageMax: 1024,
  /**
   * Log indices the cluster safety check keeps the applied digests of (src/run/safety.ts), in both
   * runtimes: a replica re-applies only what its in-memory log still holds, so no fewer than that.
   */
  appliedIndicesKeptMax: 100_000,
  /** Committed entries (the newest) one replica's safety facts carry to the live runtime's cluster check. */
  safetyFactsEntriesMax: 10_000,
  /** Broken invariants a run lists at most (the rest would repeat the same story). */
  invariantsListedMax: 1000,
  /** Largest offered load. */
  ratePerSecMax: 100_000,
  /** Seeds one sweep may run. */
  sweepSeedsMax: 100_000,
  /** Largest experiment file (UTF-8 bytes), in the app and the CLI alike; its size is checked before it is read. */
  experimentFileBytesMax: 5_000_000,
  /** YAML aliases one experiment file may use (the yaml library's maxAliasCount), against alias bombs. */
  experimentYamlAliasesMax: 100,
  /** Largest bundle (zip bytes) `caplab import` or the app's importBundle reads. */
  bundleBytesMax: 150_000_000,
  /** Bytes one file of a bundle may unpack to, checked before and while it inflates. */
  bundleEntryBytesMax: 256 * 1024 * 1024,
  /** Bytes all files of a bundle may unpack to together, checked before and while they inflate. */
  bundleUnpackedBytesMax: 512 * 1024 * 1024,
  /** Files one bundle may hold. */
  bundleEntriesMax: 64,
  /** Longest protocol timing setting (a timeout, a heartbeat, a lease): no run lasts longer. */
  protocolSettingMsMax: 3_600_000,
  /** Deepest EDN nesting a history file may have, so a hostile file cannot overflow the parser's stack. */
  ednNestingDepthMax: 512,
  /** Multi-Paxos: sentences the cluster checker has not collected yet are bounded; past it they are summarised. */
  paxosNotesPendingMax: 4096,
  /** How many messages' worth of entries may be in flight to one follower before the leader waits for acks. */
  appendsInFlightMax: 8,
  /** How many recent truncations the log remembers, so a cluster checker can re-verify only what changed. */
  truncationsRememberedMax: 64,
  /** Raft cluster checker: committed entries remembered below the lowest snapshot; older ones are dropped to keep memory bounded. */
  raftCommittedRememberedMax: 200_000,
  /** Seeds one sweep started from the app may run (the command line's `caplab sweep` allows more). */
  appSweepSeedsMax: 1000,
  /** Runs the shrinker may spend on one seed. */
  shrinkRunsMax: 600,
  /** Local writes a replica holds, accepted but not yet applied from the log; beyond it new ones are refused. */
  localWritesPendingMax: 4096,
  /** Trace events one batch carries at most; the rest of a busy interval is counted, not sent. */
  traceBatchEventsMax: 20_000,
  /** Sweeps that may go at once in one lab service (each keeps the pool's threads busy). */
  sweepsGoingMax: 4,
  /** Runs kept after they end, so the app can export them; the oldest ended ones go first. */
  sessionsKeptMax: 8,
  /** How many of the newest violations a live count carries with their operations. */
  liveViolationsLatestMax: 20,
  /** Ticks a late timer may catch up at once; beyond that the node skips them, as a descheduled process would. */
  ticksCatchUpMax: 10,
  /** Shards one range may be split into (a shard with no seed is allowed, a million shards is a typo). */
  shardCountMax: 100_000,
  /** Broken invariants a verdict names one by one (the rest are counted). */
  invariantsShownMax: 4,
  /** Slowest time scale (lab ms per wall ms) of a live run, as the simulator's slowest pace (ARCHITECTURE §3). */
  timeScaleMin: 0.1,
  /** Fastest time scale (lab ms per wall ms) of a live run. */
  timeScaleMax: 100,
} as const;

assert(limits.nodesMin >= 1 && limits.nodesMin <= limits.nodesMax, 'limits: node bounds');
assert(limits.tickMsMin <= limits.tickMsMax, 'limits: tick bounds');
assert(limits.entriesPerMessageMax < limits.logEntriesInMemoryMax, 'limits: a message must fit in the in-memory log');
assert(limits.appliedIndicesKeptMax >= limits.logEntriesInMemoryMax, 'limits: the safety check keeps every index a replica may still re-apply');
assert(limits.safetyFactsEntriesMax <= limits.appliedIndicesKeptMax, 'limits: the live cluster check keeps what facts carry');
assert(limits.bundleEntryBytesMax <= limits.bundleUnpackedBytesMax, 'limits: one bundle file within the whole bundle');
assert(limits.bundleBytesMax <= limits.bundleUnpackedBytesMax, 'limits: a bundle unpacks to at least its own size');
assert(limits.protocolSettingMsMax <= limits.durationMsMax, 'limits: a protocol timing within the longest run');
assert(limits.simEventsPendingMax < limits.simEventsPerRunMax, 'limits: pending events below the per-run bound');
