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

/** One key of a lab history, checked: the linearizability search's result, and the sequential one's when that ran. */
export interface LabKeyResult {
  readonly key: string;
  readonly linearizability: CheckResult;
  /** Null when the key was linearizable (so sequentially consistent too). */
  readonly sequential: SequentialResult | null;
}

/** The operations of a lab history by key, the keys in order. */
export function operationsByKey(operations: readonly Operation[]): Array<{ readonly key: string; readonly operations: Operation[] }> {
  const byKey = new Map<string, Operation[]>();
  for (const operation of operations) {
    const list = byKey.get(operation.input.key);
    if (list === undefined) byKey.set(operation.input.key, [operation]);
    else list.push(operation);
  }
  return [...byKey.keys()].sort().map((key) => ({ key, operations: byKey.get(key) as Operation[] }));
}

/** A lab key's check budget: a time (the host's clock, ms) and, when given, memo bytes per key. */
export interface LabCheckBudget {
  readonly now: () => number;
  readonly timeoutMs: number;
  /**
   * Memo bytes the search may hold before the key is undecided. Unlike the time, a pure function of
   * the history: a swarm seed's verdict is then the same on any machine (ARCHITECTURE §14).
   */
  readonly memoryBytesMax?: number;
  /** False: linearizability alone, no sequential search after it (default true). */
  readonly sequential?: boolean;
}

/**
 * Checks one key's operations: linearizability, then, when that fails or stays undecided,
 * sequential consistency (process order in place of real time). `now` is the host's clock in ms.
 */
export function checkLabKey(key: string, operations: readonly Operation[], options: LabCheckBudget): LabKeyResult {
  const model = createModel({ name: 'kv-cas-register', initial: null, semantics: 'lab' });
  const memory = options.memoryBytesMax === undefined ? {} : { memoryBytesMax: options.memoryBytesMax };
  const linearizability = checkLinearizability(model, operations, { now: options.now, timeoutMs: options.timeoutMs, ...memory });
  if (linearizability.verdict === 'linearizable' || options.sequential === false) return { key, linearizability, sequential: null };
  const sequential = checkSequentialConsistency(model, operations, { now: options.now, timeoutMs: options.timeoutMs, refute: sessionOrderRefutation({ initial: null }) });
  return { key, linearizability, sequential };
}

/** The verdict of a lab history from its keys' results (in key order). */
export function labHistoryVerdict(results: readonly LabKeyResult[]): LabHistoryVerdict {
  const failures = results.filter((result) => result.linearizability.verdict === 'not-linearizable').map(({ key, linearizability }) => ({ key, result: linearizability }));
  const unknownKeyNames = results.filter((result) => result.linearizability.verdict === 'unknown').map((result) => result.key);
  const sequentialFailures = results.flatMap(({ key, sequential }) => (sequential?.verdict === 'not-sequential' ? [{ key, result: sequential }] : []));
  const sequentialUnknownKeys = results.filter((result) => result.sequential?.verdict === 'unknown').length;
  return { failedKeys: failures.length, unknownKeys: unknownKeyNames.length, unknownKeyNames, failures, sequential: { failedKeys: sequentialFailures.length, unknownKeys: sequentialUnknownKeys, failures: sequentialFailures } };
}

/**
 * Checks a lab history key by key (P-compositionality: a history is linearizable iff every
 * key's sub-history is), so the lab can say how many keys broke, not just whether one did.
 * The budget is per key.
 */
export function checkLabHistory(operations: readonly Operation[], options: Omit<LabCheckBudget, 'timeoutMs'> & { timeoutMsPerKey: number }): LabHistoryVerdict {
  const { timeoutMsPerKey, ...budget } = options;
  return labHistoryVerdict(operationsByKey(operations).map(({ key, operations: keyOperations }) => checkLabKey(key, keyOperations, { ...budget, timeoutMs: timeoutMsPerKey })));
}

/**
 * The `models` block of a lab run (ARCHITECTURE §6): the two searches' verdicts from `verdict` (null:
 * no check ran), the session guarantees against the log's version order when the host has it.
 */
export function labModels(operations: readonly Operation[], verdict: LabHistoryVerdict | null, versionOrder?: VersionOrder, sessionGuarantees = true): ModelsBlock {
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
  return consistencyMap({ records: operations, linearizable, sequentialPerKey, initial: null, versionOrder, sessionGuarantees });
}
