import { assert } from '../base/assert';
import { prngStream } from '../base/prng';
import { checkerLimits } from './limits';
import type { Model } from './model';
import { searchPartition, type SearchBudget, type SearchOperation, type UnknownReason } from './search';

/** An operation as the checker takes it: the lab's `Operation` and every format's records fit. */
export interface CheckedOperation<Input, Output> extends SearchOperation<Input, Output> {
  /** Position in the source history, reported back in counterexamples. */
  readonly id: number;
  readonly clientId: number;
}

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

export interface CheckResult {
  readonly verdict: Verdict;
  /** Set when the verdict is `unknown`. */
  readonly unknownReason?: UnknownReason;
  readonly model: string;
  /** Operations handed in. */
  readonly operations: number;
  /** Operations left after removing those that cannot change the verdict. */
  readonly operationsChecked: number;
  readonly partitions: number;
  readonly elapsedMs: number;
  /** Memo entries stored over all partitions searched. */
  readonly memoEntries: number;
  readonly counterexample?: Counterexample;
}

export interface CheckOptions {
  /** The host's clock in ms (src/ has none). */
  readonly now: () => number;
  /** Time budget; after it the verdict is `unknown` (default: none). */
  readonly timeoutMs?: number;
  /** Polled every few thousand search steps; true stops the check with `unknown`. */
  readonly isCancelled?: () => boolean;
  /** Memo bytes per partition before `unknown` (default checkerLimits.memoryBytesMax). */
  readonly memoryBytesMax?: number;
  /** Seed of the random words that hash linearized sets (any value gives the same verdict). */
  readonly seed?: number;
  readonly stepsBetweenChecks?: number;
  /**
   * Hears how far the check got: operations in the partitions searched so far, of all checked
   * (called once before the first partition and after each one).
   */
  readonly onProgress?: (operationsDone: number, operationsTotal: number) => void;
}

/** A history the model cannot check: an operation it does not know. Shown to the user as is. */
export class CheckerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckerInputError';
  }
}

/** One independent part of a history (a key), after removing no-ops and simplifying. */
export interface Partition<Input, Output> {
  readonly name: string;
  readonly operations: CheckedOperation<Input, Output>[];
}

/** Splits a history into the model's partitions (shared by the linearizability and sequential checks). */
export function splitIntoPartitions<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly CheckedOperation<Input, Output>[],
): Partition<Input, Output>[] {
  const byName = new Map<string, CheckedOperation<Input, Output>[]>();
  for (const operation of operations) {
    if (model.isNoOperation?.(operation.input, operation.output) === true) continue;
    const name = model.partition?.(operation.input) ?? '';
    let list = byName.get(name);
    if (list === undefined) byName.set(name, (list = []));
    list.push(operation);
  }
  const partitions: Partition<Input, Output>[] = [];
  for (const [name, list] of byName) {
    partitions.push({ name, operations: model.simplify?.(list) ?? list });
  }
  return partitions;
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

/** Random words that hash a linearized set: two per operation, from a seeded stream. */
export function drawHashWords(count: number, seed: number): { words1: Int32Array; words2: Int32Array } {
  const prng = prngStream(seed, 'checker-linearized-set-hash');
  const words1 = new Int32Array(count);
  const words2 = new Int32Array(count);
  for (let index = 0; index < count; index++) {
    words1[index] = prng.int(0, 0xffffffff) | 0;
    words2[index] = prng.int(0, 0xffffffff) | 0;
  }
  return { words1, words2 };
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
  const startMs = options.now();
  for (const operation of operations) {
    if (model.accepts !== undefined && !model.accepts(operation.input)) {
      throw new CheckerInputError(`model ${model.name} cannot check operation ${operation.id} (${model.describeOperation(operation.input, operation.output)})`);
    }
  }
  const partitions = splitIntoPartitions(model, operations).sort((left, right) => left.operations.length - right.operations.length);
  const largest = partitions.reduce((most, partition) => Math.max(most, partition.operations.length), 0);
  assert(largest <= checkerLimits.operationsPerPartitionMax, `a partition holds ${largest} operations, more than ${checkerLimits.operationsPerPartitionMax}`);
  const hashWords = drawHashWords(largest, options.seed ?? 1);
  const budget: SearchBudget = {
    now: options.now,
    deadlineMs: startMs + (options.timeoutMs ?? Number.POSITIVE_INFINITY),
    isCancelled: options.isCancelled,
    memoryBytesMax: options.memoryBytesMax ?? checkerLimits.memoryBytesMax,
    stepsBetweenChecks: options.stepsBetweenChecks ?? checkerLimits.stepsBetweenChecks,
    steps: 0,
  };
  const summary = {
    model: model.name,
    operations: operations.length,
    operationsChecked: partitions.reduce((sum, partition) => sum + partition.operations.length, 0),
    partitions: partitions.length,
  };
  let memoEntries = 0;
  let unknownReason: UnknownReason | undefined;
  let operationsDone = 0;
  options.onProgress?.(0, summary.operationsChecked);
  for (const partition of partitions) {
    const outcome = searchPartition(model, partition.operations, budget, hashWords, findEarlierTwins(partition.operations));
    memoEntries += outcome.memoEntries;
    operationsDone += partition.operations.length;
    options.onProgress?.(operationsDone, summary.operationsChecked);
    if (outcome.kind === 'unknown') {
      unknownReason ??= outcome.reason;
      // A cancelled or timed-out check stops; a partition too big for memory does not stop the others.
      if (outcome.reason !== 'memory') break;
      continue;
    }
    if (outcome.kind === 'not-linearizable') {
      const counterexample = describeCounterexample(model, partition, outcome.longest, outcome.stateAfter, outcome.blocked);
      return { verdict: 'not-linearizable', ...summary, elapsedMs: options.now() - startMs, memoEntries, counterexample };
    }
  }
  const elapsedMs = options.now() - startMs;
  if (unknownReason !== undefined) return { verdict: 'unknown', unknownReason, ...summary, elapsedMs, memoEntries };
  return { verdict: 'linearizable', ...summary, elapsedMs, memoEntries };
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
