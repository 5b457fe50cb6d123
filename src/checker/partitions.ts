import { assert } from '../base/assert';
import { prngStream } from '../base/prng';
import { checkerLimits } from './limits';
import type { Model } from './model';
import type { SearchBudget, SearchOperation, SetHashWords, UnknownReason } from './search';

/**
 * The one check both searches run under (ARCHITECTURE §6): linearizability and sequential
 * consistency ask the same question of each partition (key) — is there one total order of its
 * operations that the model's sequential specification accepts? — and differ only in which order
 * that total order must respect: real time (an operation that returned before another was called
 * precedes it) or each client's own order. Everything else is this driver's: partitions, the
 * budget, the seeded set hashes, smallest partition first, stopping at the first that fails, an
 * honest `unknown`, and progress.
 */

/** An operation as the checker takes it: the lab's `Operation` and every format's records fit. */
export interface CheckedOperation<Input, Output> extends SearchOperation<Input, Output> {
  /** Position in the source history, reported back in counterexamples. */
  readonly id: number;
  readonly clientId: number;
}

/** One independent part of a history (a key), after removing no-ops and simplifying. */
export interface Partition<Input, Output> {
  readonly name: string;
  readonly operations: CheckedOperation<Input, Output>[];
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

/** How one partition's search ended: an order was found, none exists (with what proves it), or it gave up. */
export type PartitionVerdict<Failure> =
  | { readonly kind: 'holds'; readonly memoEntries: number }
  | { readonly kind: 'fails'; readonly failure: Failure; readonly memoEntries: number }
  | { readonly kind: 'unknown'; readonly reason: UnknownReason; readonly memoEntries: number };

/** What differs between the checks: the search of one partition under its order, and an optional quick refutation tried first. */
export interface OrderedSearch<Input, Output, Failure> {
  search(partition: Partition<Input, Output>, budget: SearchBudget, hashWords: SetHashWords): PartitionVerdict<Failure>;
  /** A sound proof that the partition fails, found without the search, or null. */
  refute?(partition: Partition<Input, Output>): Failure | null;
}

/** The figures both checks' results report. */
export interface CheckFigures {
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
}

/** The whole history's verdict: an order for every partition, a failing one (its proof), or unknown. */
export interface PartitionsResult<Failure> extends CheckFigures {
  readonly outcome: 'holds' | 'fails' | 'unknown';
  /** The smallest failing partition's proof. */
  readonly failure?: Failure;
}

/**
 * Searches a history's partitions smallest first under `ordered`, stopping at the first that fails
 * (so a counterexample is the smallest failing partition's). A partition that runs out of time or
 * is cancelled stops the check with `unknown`; one too big for memory makes it `unknown` unless
 * another partition fails.
 */
export function checkPartitions<State, Input, Output, Failure>(
  model: Model<State, Input, Output>,
  operations: readonly CheckedOperation<Input, Output>[],
  options: CheckOptions,
  ordered: OrderedSearch<Input, Output, Failure>,
): PartitionsResult<Failure> {
  const startMs = options.now();
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
    const refuted = ordered.refute?.(partition) ?? null;
    if (refuted !== null) return { outcome: 'fails', ...summary, elapsedMs: options.now() - startMs, memoEntries, failure: refuted };
    const verdict = ordered.search(partition, budget, hashWords);
    memoEntries += verdict.memoEntries;
    operationsDone += partition.operations.length;
    options.onProgress?.(operationsDone, summary.operationsChecked);
    if (verdict.kind === 'unknown') {
      unknownReason ??= verdict.reason;
      // A cancelled or timed-out check stops; a partition too big for memory does not stop the others.
      if (verdict.reason !== 'memory') break;
      continue;
    }
    if (verdict.kind === 'fails') return { outcome: 'fails', ...summary, elapsedMs: options.now() - startMs, memoEntries, failure: verdict.failure };
  }
  const elapsedMs = options.now() - startMs;
  if (unknownReason !== undefined) return { outcome: 'unknown', unknownReason, ...summary, elapsedMs, memoEntries };
  return { outcome: 'holds', ...summary, elapsedMs, memoEntries };
}
