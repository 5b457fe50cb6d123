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

/** What a run in Node (main thread or worker) uses: the native trace hash and the end-of-run check. */
export function nodeRunOptions(): RunOptions {
  return { hasher: nativeTraceHasher(), linearizability: labLinearizability };
}
