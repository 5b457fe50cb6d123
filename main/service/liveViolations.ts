import { limits } from '../../src/base/limits';
import type { ViolationOracle } from '../../src/checker/oracle';
import type { Operation } from '../../src/history/operation';

/** The oracle's counts so far, sent with every few metrics batches (the `live` field of a metrics event). */
export interface LiveViolations {
  staleRead: number;
  monotonicRead: number;
  readYourWrites: number;
  /** The newest few, with the operations that prove them. */
  latest: Array<{ kind: string; key: string; operations: number[]; explanation: string }>;
}


/**
 * The oracle over the operations completed so far, for either runtime. A stale read or session
 * break, once counted, stays counted (truth positions are only ever appended); a lost write is
 * only certain at the end, after the quiet period, so it is not counted live.
 */
export function liveViolations(oracle: ViolationOracle, operations: readonly Operation[]): LiveViolations {
  const found = oracle.violations(operations).filter((violation) => violation.kind !== 'lostWrite');
  const count = (kind: string) => found.filter((violation) => violation.kind === kind).length;
  const latest = found
    .slice()
    .sort((a, b) => (b.operations[0] ?? 0) - (a.operations[0] ?? 0))
    .slice(0, limits.liveViolationsLatestMax)
    .map((violation) => ({ kind: violation.kind, key: violation.key, operations: [...violation.operations], explanation: violation.explanation }));
  return { staleRead: count('staleRead'), monotonicRead: count('monotonicRead'), readYourWrites: count('readYourWrites'), latest };
}
