import type { Operation } from '../history/operation';
import { type ModelsBlock, consistencyMap, linearizableVerdict, sequentialVerdict } from './consistencyMap';
import { type CheckResult, checkLinearizability } from './linearizability';
import { createModel } from './models';
import { checkSequentialConsistency, type SequentialResult } from './sequential';
import { type ModelVerdict, sessionOrderRefutation, type VersionOrder } from './session';

/** The verdict per key of a lab history: how many keys fail, and how many stayed undecided. */
export interface LabHistoryVerdict {
  readonly failedKeys: number;
  readonly unknownKeys: number;
  /** The result of every key that was not linearizable (with its counterexample). */
  readonly failures: ReadonlyArray<{ readonly key: string; readonly result: CheckResult }>;
  /** The keys that stayed undecided, by name (for the per-key explanation of the oracle's findings). */
  readonly unknownKeyNames?: readonly string[];
  /**
   * Sequential consistency of the keys that were not linearizable or undecided (a linearizable
   * key is sequentially consistent): how many fail, how many stayed undecided, and each failure.
   */
  readonly sequential?: {
    readonly failedKeys: number;
    readonly unknownKeys: number;
    readonly failures: ReadonlyArray<{ readonly key: string; readonly result: SequentialResult }>;
  };
}

/**
 * Checks a lab history key by key (P-compositionality: a history is linearizable iff every
 * key's sub-history is), so the lab can say how many keys broke, not just whether one did.
 * Keys that fail, or stay undecided, are then searched for sequential consistency (process
 * order in place of real time). `now` is the host's clock in ms; the budget is per key.
 */
export function checkLabHistory(operations: readonly Operation[], options: { now: () => number; timeoutMsPerKey: number }): LabHistoryVerdict {
  const byKey = new Map<string, Operation[]>();
  for (const operation of operations) {
    const list = byKey.get(operation.input.key);
    if (list === undefined) byKey.set(operation.input.key, [operation]);
    else list.push(operation);
  }
  const model = createModel({ name: 'kv-cas-register', initial: null, semantics: 'lab' });
  const unknownKeyNames: string[] = [];
  const failures: Array<{ key: string; result: CheckResult }> = [];
  const sequentialFailures: Array<{ key: string; result: SequentialResult }> = [];
  let sequentialUnknownKeys = 0;
  for (const key of [...byKey.keys()].sort()) {
    const keyOperations = byKey.get(key) as Operation[];
    const result = checkLinearizability(model, keyOperations, { now: options.now, timeoutMs: options.timeoutMsPerKey });
    if (result.verdict === 'not-linearizable') failures.push({ key, result });
    if (result.verdict === 'unknown') unknownKeyNames.push(key);
    if (result.verdict === 'linearizable') continue;
    const sequential = checkSequentialConsistency(model, keyOperations, { now: options.now, timeoutMs: options.timeoutMsPerKey, refute: sessionOrderRefutation({ initial: null }) });
    if (sequential.verdict === 'not-sequential') sequentialFailures.push({ key, result: sequential });
    if (sequential.verdict === 'unknown') sequentialUnknownKeys++;
  }
  return { failedKeys: failures.length, unknownKeys: unknownKeyNames.length, unknownKeyNames, failures, sequential: { failedKeys: sequentialFailures.length, unknownKeys: sequentialUnknownKeys, failures: sequentialFailures } };
}

/**
 * The `models` block of a lab run (ARCHITECTURE §6): the two searches' verdicts from `verdict` (null:
 * no check ran), the session guarantees against the log's version order when the host has it.
 */
export function labModels(operations: readonly Operation[], verdict: LabHistoryVerdict | null, versionOrder?: VersionOrder): ModelsBlock {
  let linearizable: ModelVerdict = { status: 'not checked', reason: 'this run had no linearizability check' };
  let sequentialPerKey: ModelVerdict = { status: 'not checked', reason: 'this run had no sequential-consistency check' };
  if (verdict !== null) {
    const firstFailure = verdict.failures[0];
    linearizable =
      firstFailure !== undefined ? linearizableVerdict(firstFailure.result, firstFailure.key)
      : verdict.unknownKeys > 0 ? { status: 'unknown', reason: `${verdict.unknownKeys} keys stayed undecided within the time budget` }
      : { status: 'holds' };
    const sequential = verdict.sequential;
    if (sequential !== undefined) {
      const firstSequentialFailure = sequential.failures[0];
      sequentialPerKey =
        firstSequentialFailure !== undefined ? sequentialVerdict(firstSequentialFailure.result, firstSequentialFailure.key)
        : sequential.unknownKeys > 0 ? { status: 'unknown', reason: `${sequential.unknownKeys} keys stayed undecided within the time budget` }
        : { status: 'holds' };
    }
  }
  return consistencyMap({ records: operations, linearizable, sequentialPerKey, initial: null, versionOrder });
}
