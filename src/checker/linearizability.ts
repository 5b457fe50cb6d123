import type { Model } from './model';
import { type CheckedOperation, type CheckFigures, type CheckOptions, checkPartitions, type Partition } from './partitions';
import { searchPartition, type SearchOperation } from './search';

export type { CheckedOperation, CheckOptions, Partition } from './partitions';
export { drawHashWords, splitIntoPartitions } from './partitions';

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

/** One operation of a counterexample, described by the model. */
export interface CounterexampleOperation {
  readonly id: number;
  readonly clientId: number;
  readonly call: number;
  readonly return: number | null;
  /** The model's one-line description, such as `write 3`. */
  readonly description: string;
}

/** Why a history is not linearizable, drawn from its smallest failing partition. */
export interface Counterexample {
  /** The partition's name (the key), '' for an unpartitioned history. */
  readonly partition: string;
  /** The ids of every operation the partition holds after removing no-ops. */
  readonly partitionOperationIds: readonly number[];
  /** The longest partial linearization the search found, in order. */
  readonly linearized: readonly CounterexampleOperation[];
  /** The model's state after `linearized`. */
  readonly stateAfter: string;
  /** The first operation that cannot be placed after `linearized`. */
  readonly blocked: CounterexampleOperation | null;
  /** One line from the model: "read 3, but the register holds 1". */
  readonly explanation: string;
}

export interface CheckResult extends CheckFigures {
  readonly verdict: Verdict;
  readonly counterexample?: Counterexample;
}

/** A history the model cannot check: an operation it does not know. Shown to the user as is. */
export class CheckerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckerInputError';
  }
}

/**
 * For each operation with unknown outcome, the previous one (in call order) with the same
 * input and output, or -1: the search takes such twins in call order only.
 */
function findEarlierTwins(operations: readonly SearchOperation<unknown, unknown>[]): Int32Array {
  const earlierTwin = new Int32Array(operations.length).fill(-1);
  // Only operations with unknown outcome have twins: sort those alone (most histories have few).
  const unknownOutcome: number[] = [];
  for (let index = 0; index < operations.length; index++) if (operations[index]!.return === null) unknownOutcome.push(index);
  unknownOutcome.sort((left, right) => operations[left]!.call - operations[right]!.call || left - right);
  const latestByFingerprint = new Map<string, number>();
  for (const index of unknownOutcome) {
    const operation = operations[index]!;
    const fingerprint = JSON.stringify([operation.input, operation.output], exactJson);
    earlierTwin[index] = latestByFingerprint.get(fingerprint) ?? -1;
    latestByFingerprint.set(fingerprint, index);
  }
  return earlierTwin;
}

/**
 * Checks a history for linearizability against a model: removes operations that cannot change
 * the verdict, splits the rest into the model's independent partitions, and searches them
 * smallest first, stopping at the first that is not linearizable (so its counterexample is the
 * smallest failing partition). A partition that runs out of time or memory makes the verdict
 * `unknown` unless another partition is definitely not linearizable.
 */
export function checkLinearizability<State, Input, Output>(
  model: Model<State, Input, Output> & { accepts?(input: Input): boolean },
  operations: readonly CheckedOperation<Input, Output>[],
  options: CheckOptions,
): CheckResult {
  for (const operation of operations) {
    if (model.accepts !== undefined && !model.accepts(operation.input)) {
      throw new CheckerInputError(`model ${model.name} cannot check operation ${operation.id} (${model.describeOperation(operation.input, operation.output)})`);
    }
  }
  const { outcome, failure, ...figures } = checkPartitions(model, operations, options, {
    search: (partition, budget, hashWords) => {
      const searched = searchPartition(model, partition.operations, budget, hashWords, findEarlierTwins(partition.operations));
      if (searched.kind === 'not-linearizable') return { kind: 'fails', failure: describeCounterexample(model, partition, searched.longest, searched.stateAfter, searched.blocked), memoEntries: searched.memoEntries };
      return searched.kind === 'linearizable' ? { kind: 'holds', memoEntries: searched.memoEntries } : searched;
    },
  });
  if (outcome === 'fails') return { verdict: 'not-linearizable', ...figures, counterexample: failure };
  return { verdict: outcome === 'holds' ? 'linearizable' : 'unknown', ...figures };
}

/** The counterexample of a failing partition, in the model's words. */
export function describeCounterexample<State, Input, Output>(
  model: Model<State, Input, Output>,
  partition: Partition<Input, Output>,
  longest: readonly number[],
  stateAfter: State,
  blockedIndex: number,
): Counterexample {
  const describe = (index: number): CounterexampleOperation => {
    const operation = partition.operations[index]!;
    return {
      id: operation.id,
      clientId: operation.clientId,
      call: operation.call,
      return: operation.return,
      description: model.describeOperation(operation.input, operation.output),
    };
  };
  // The search names the operation whose return it reached; if it reached none (cannot happen
  // for a failing partition, but stay total), take the earliest return not linearized.
  let blocked = blockedIndex;
  if (blocked === -1) {
    const linearized = new Set(longest);
    let earliest = Number.POSITIVE_INFINITY;
    partition.operations.forEach((operation, index) => {
      if (!linearized.has(index) && operation.return !== null && operation.return < earliest) {
        earliest = operation.return;
        blocked = index;
      }
    });
  }
  let explanation = 'no operation can be placed next';
  if (blocked !== -1) {
    const operation = partition.operations[blocked]!;
    const step = model.step(stateAfter, operation.input, operation.output);
    explanation = step.ok
      ? `${model.describeOperation(operation.input, operation.output)} must take effect before it returns, but every order that places it here fails later`
      : model.explainIllegal(stateAfter, operation.input, operation.output);
  }
  return {
    partition: partition.name,
    partitionOperationIds: partition.operations.map((operation) => operation.id),
    linearized: longest.map(describe),
    stateAfter: model.describeState(stateAfter),
    blocked: blocked === -1 ? null : describe(blocked),
    explanation,
  };
}

/** JSON for values that may be exact integers beyond 2^53 (bigint), kept apart from strings. */
function exactJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { bigint: value.toString() } : value;
}
