import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { checkLabHistory } from '../src/checker/labHistory';
import type { LinearizabilityCheck, RunOptions, TraceHasher } from '../src/experiment/run';

/** Node's native SHA-256 for the trace digest; the same bytes give the same digest as the pure one. */
export function nativeTraceHasher(): TraceHasher {
  const hash = createHash('sha256');
  return { update: (bytes) => hash.update(bytes), digest: () => hash.digest('hex') };
}

/** The end-of-run check as runs use it in Node: 10 s budget per key, the wall clock from perf_hooks. */
export const labLinearizability: LinearizabilityCheck = (operations) => checkLabHistory(operations, { now: () => performance.now(), timeoutMsPerKey: 10_000 });

/**
 * The memo bytes a swarm seed's check may spend on one key. A bound of memory, not time, so a
 * seed's verdict is a pure function of the seed (shards merge byte for byte whatever machine ran
 * them). 64 MiB: about a million memo entries, 1-3 s here. Of raft's and Paxos's swarm seeds
 * 1-58 every key but two was decided in under 0.1 s; those two (raft 49, paxos 5) were linearizable
 * after 13 and 18 s and 6 million entries each with no bound, past the 10 s a run gives a key. The
 * swarm judges linearizability only: no sequential search.
 */
export const swarmCheckMemoryBytesMax = 64 * 1024 * 1024;

/** The swarm's end-of-run check: linearizability per key within `swarmCheckMemoryBytesMax`, no time bound. */
export const swarmLinearizability: LinearizabilityCheck = (operations) =>
  checkLabHistory(operations, { now: () => performance.now(), timeoutMsPerKey: Number.POSITIVE_INFINITY, memoryBytesMax: swarmCheckMemoryBytesMax, sequential: false });

/** What a swarm seed runs with: the native trace hash, the swarm's check, and no session checks (the judge reads the oracle's counts). */
export function swarmRunOptions(): RunOptions {
  return { hasher: nativeTraceHasher(), linearizability: swarmLinearizability, sessionGuarantees: false };
}

/** What a run in Node (main thread or worker) uses: the native trace hash and the end-of-run check. */
export function nodeRunOptions(): RunOptions {
  return { hasher: nativeTraceHasher(), linearizability: labLinearizability };
}
