import type { Operation } from '../history/operation';
import { type CheckResult, checkLinearizability } from './linearizability';
import { createModel } from './models';

/** The verdict per key of a lab history: how many keys fail, and how many stayed undecided. */
export interface LabHistoryVerdict {
  readonly failedKeys: number;
  readonly unknownKeys: number;
  /** The result of every key that was not linearizable (with its counterexample). */
  readonly failures: ReadonlyArray<{ readonly key: string; readonly result: CheckResult }>;
}

/**
 * Checks a lab history key by key (P-compositionality: a history is linearizable iff every
 * key's sub-history is), so the lab can say how many keys broke, not just whether one did.
 * `now` is the host's clock in ms; the budget is per key.
 */
export function checkLabHistory(operations: readonly Operation[], options: { now: () => number; timeoutMsPerKey: number }): LabHistoryVerdict {
  const byKey = new Map<string, Operation[]>();
  for (const operation of operations) {
    const list = byKey.get(operation.input.key);
    if (list === undefined) byKey.set(operation.input.key, [operation]);
    else list.push(operation);
  }
  const model = createModel({ name: 'kv-cas-register', initial: null, semantics: 'lab' });
  let unknownKeys = 0;
  const failures: Array<{ key: string; result: CheckResult }> = [];
  for (const key of [...byKey.keys()].sort()) {
    const result = checkLinearizability(model, byKey.get(key) as Operation[], { now: options.now, timeoutMs: options.timeoutMsPerKey });
    if (result.verdict === 'not-linearizable') failures.push({ key, result });
    if (result.verdict === 'unknown') unknownKeys++;
  }
  return { failedKeys: failures.length, unknownKeys, failures };
}
