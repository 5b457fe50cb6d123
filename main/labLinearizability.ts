import { performance } from 'node:perf_hooks';
import { checkLabHistory } from '../src/checker/labHistory';
import type { LinearizabilityCheck } from '../src/experiment/run';
import { nativeTraceHasher } from './traceHasher';

/** The end-of-run check as runs use it in Node: 10 s budget per key, the wall clock from perf_hooks. */
export const labLinearizability: LinearizabilityCheck = (operations) => checkLabHistory(operations, { now: () => performance.now(), timeoutMsPerKey: 10_000 });

/** What a run in Node uses: the native trace hash and the end-of-run linearizability check. */
export function nodeRunOptions(): { hasher: ReturnType<typeof nativeTraceHasher>; linearizability: LinearizabilityCheck } {
  return { hasher: nativeTraceHasher(), linearizability: labLinearizability };
}
