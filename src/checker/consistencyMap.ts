import type { HistoryRecord, Value } from '../history/formats/record';
import type { CheckResult } from './linearizability';
import type { SequentialResult } from './sequential';
import { checkSessionGuarantees, type ModelVerdict, type VersionOrder } from './session';

/**
 * The single-object models of the consistency map the lab judges every run against (ARCHITECTURE §6),
 * strongest first. Linearizability and sequential consistency are per key: linearizability is
 * compositional, so per key is the whole truth; sequential consistency is not, so its label
 * says "per key". The session guarantees are checked per key as well.
 */
export const consistencyModels = ['linearizable', 'sequentialPerKey', 'readYourWrites', 'monotonicReads', 'monotonicWrites', 'writesFollowReads'] as const;
export type ConsistencyModel = (typeof consistencyModels)[number];

/** The `models` block of a run summary and of `caplab check --consistency`: one verdict per model. */
export type ModelsBlock = Readonly<Record<ConsistencyModel, ModelVerdict>>;

/** Labels for people, as the results screen and reports show them. */
export const consistencyModelLabels: Readonly<Record<ConsistencyModel, string>> = {
  linearizable: 'linearizable',
  sequentialPerKey: 'sequentially consistent (per key)',
  readYourWrites: 'read-your-writes',
  monotonicReads: 'monotonic reads',
  monotonicWrites: 'monotonic writes',
  writesFollowReads: 'writes-follow-reads',
};

/**
 * Which model implies which (Jepsen's consistency map, single-object part; Viotti & Vukolić
 * 2016): an edge [stronger, weaker]. Sequential consistency implies the four session guarantees
 * through PRAM and causal consistency, which the lab does not check on their own.
 */
export const consistencyModelImplies: ReadonlyArray<readonly [ConsistencyModel, ConsistencyModel]> = [
  ['linearizable', 'sequentialPerKey'],
  ['sequentialPerKey', 'readYourWrites'],
  ['sequentialPerKey', 'monotonicReads'],
  ['sequentialPerKey', 'monotonicWrites'],
  ['sequentialPerKey', 'writesFollowReads'],
];

/** The strongest model that holds and every model it implies holds too; null when none does. */
export function strongestModelHeld(block: ModelsBlock): ConsistencyModel | null {
  if (block.linearizable.status === 'holds') return 'linearizable';
  if (block.sequentialPerKey.status === 'holds') return 'sequentialPerKey';
  return consistencyModels.slice(2).find((model) => block[model].status === 'holds') ?? null;
}

/** A linearizability verdict as a model verdict: the counterexample's operations prove it. */
export function linearizableVerdict(result: CheckResult | undefined, partition?: string): ModelVerdict {
  if (result === undefined) return { status: 'not checked', reason: 'the linearizability check did not run' };
  if (result.verdict === 'linearizable') return { status: 'holds' };
  if (result.verdict === 'unknown') return { status: 'unknown', reason: `the search stopped (${result.unknownReason ?? 'timeout'})` };
  const example = result.counterexample!;
  const operations = [...example.linearized.slice(-5).map((operation) => operation.id), ...(example.blocked === null ? [] : [example.blocked.id])];
  return { status: 'violated', key: partition ?? example.partition, operations: [...new Set(operations)].sort((a, b) => a - b), explanation: example.explanation };
}

/** A sequential-consistency verdict as a model verdict. */
export function sequentialVerdict(result: SequentialResult | undefined, partition?: string): ModelVerdict {
  if (result === undefined) return { status: 'not checked', reason: 'the sequential-consistency check did not run' };
  if (result.verdict === 'sequential') return { status: 'holds' };
  if (result.verdict === 'unknown') return { status: 'unknown', reason: `the search stopped (${result.unknownReason ?? 'timeout'})` };
  if (result.violation !== undefined) return { status: 'violated', ...result.violation, key: partition ?? result.violation.key };
  const example = result.counterexample!;
  const operations = [...example.linearized.slice(-5).map((operation) => operation.id), ...(example.blocked === null ? [] : [example.blocked.id])];
  return { status: 'violated', key: partition ?? example.partition, operations: [...new Set(operations)].sort((a, b) => a - b), explanation: `no order that keeps each client's own order explains key ${partition ?? example.partition}: ${example.explanation}` };
}

const notChecked: ModelVerdict = { status: 'not checked', reason: 'this run did not check the session guarantees' };
const sessionNotChecked = { readYourWrites: notChecked, monotonicReads: notChecked, monotonicWrites: notChecked, writesFollowReads: notChecked };

/** Assembles the block from the two searches' verdicts and the session checks of the history. */
export function consistencyMap(parts: {
  readonly records: readonly HistoryRecord[];
  readonly linearizable: ModelVerdict;
  readonly sequentialPerKey: ModelVerdict;
  readonly initial: Value;
  readonly nilReadIsUnknown?: boolean;
  readonly versionOrder?: VersionOrder;
  /** False: the four session guarantees are "not checked" (default true). */
  readonly sessionGuarantees?: boolean;
}): ModelsBlock {
  const session = parts.sessionGuarantees === false ? sessionNotChecked : checkSessionGuarantees(parts.records, { initial: parts.initial, nilReadIsUnknown: parts.nilReadIsUnknown, versionOrder: parts.versionOrder });
  // Linearizable ⇒ sequentially consistent: a key the first search passed needs no second search.
  const sequentialPerKey = parts.linearizable.status === 'holds' && parts.sequentialPerKey.status !== 'violated' ? { status: 'holds' as const } : parts.sequentialPerKey;
  return { linearizable: parts.linearizable, sequentialPerKey, ...session };
}
