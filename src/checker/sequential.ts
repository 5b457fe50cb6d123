import { assert } from '../base/assert';
import { type Counterexample, describeCounterexample } from './linearizability';
import { LinearizedSet, MemoTable } from './memo';
import type { Model } from './model';
import { type CheckedOperation, type CheckFigures, type CheckOptions, checkPartitions, type Partition } from './partitions';
import { budgetSpent, type SearchBudget, type UnknownReason } from './search';
import { processOrder, sequentialWitness } from './sequentialWitness';

export type SequentialVerdict = 'sequential' | 'not-sequential' | 'unknown';

/**
 * The result of checking sequential consistency per partition (per key). Sequential consistency
 * is not compositional (Lamport 1979; Herlihy & Wing §3.3 show linearizability is, and SC is
 * not), so a history whose every key passes is "sequentially consistent per key", not
 * sequentially consistent as a whole: the label says so wherever it is shown.
 */
export interface SequentialResult extends CheckFigures {
  readonly verdict: SequentialVerdict;
  /** The smallest failing partition's longest partial order that respects every client's order. */
  readonly counterexample?: Counterexample;
  /** When a quick check proved the failure instead of the search: the key, the operations, why. */
  readonly violation?: SequentialViolation;
}

/** A proof that a partition is not sequentially consistent found without the search. */
export interface SequentialViolation {
  readonly key: string;
  readonly operations: readonly number[];
  readonly explanation: string;
}

export interface SequentialCheckOptions extends CheckOptions {
  /**
   * A quick, sound refutation tried on each partition before the search (the register's
   * session-order cycle): a proof, or null when it finds none.
   */
  readonly refute?: (operations: readonly CheckedOperation<unknown, unknown>[]) => SequentialViolation | null;
  /** Try the write-order witness (sequentialWitness.ts) before the search; default true. The tests turn it off to compare. */
  readonly witness?: boolean;
}

type Outcome =
  | { readonly kind: 'sequential'; readonly memoEntries: number }
  | { readonly kind: 'not-sequential'; readonly longest: readonly number[]; readonly memoEntries: number }
  | { readonly kind: 'unknown'; readonly reason: UnknownReason; readonly memoEntries: number };

/**
 * Decides whether one partition is sequentially consistent: is there one total order of its
 * operations that respects each client's own order (not real time) and the model's sequential
 * specification? The same depth-first search with Lowe's memoisation as the linearizability
 * check, with "every operation whose process-order predecessor is placed" as the candidates in
 * place of "every call before the first pending return". Read-only operations that are legal
 * are placed at once (as in search.ts: moving a read to the earliest point where it is legal
 * and its client's order allows keeps every other step valid).
 */
function searchSequential<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly CheckedOperation<Input, Output>[],
  budget: SearchBudget,
  hashWords: { words1: Int32Array; words2: Int32Array },
): Outcome {
  const count = operations.length;
  const predecessor = processOrder(operations);
  const successors: number[][] = Array.from({ length: count + 1 }, () => []);
  // successors[count] holds the operations with no predecessor.
  for (let index = 0; index < count; index++) successors[predecessor[index] === -1 ? count : predecessor[index]!]!.push(index);
  const returned = operations.map((operation) => operation.return !== null);
  const readOnly = operations.map((operation, index) => returned[index]! && model.isReadOnly?.(operation.input, operation.output) === true);
  let returnedRemaining = returned.filter(Boolean).length;

  const set = new LinearizedSet(count, hashWords.words1, hashWords.words2);
  const memo = new MemoTable<State>((left, right) => model.equal(left, right));
  const enabled = new Set<number>(successors[count]);
  interface Frame {
    readonly candidates: readonly number[];
    next: number;
    readonly state: State;
    placed: number;
  }
  const stack: Frame[] = [];
  let longest: number[] = [];
  const state = model.init();
  let checkCountdown = budget.stepsBetweenChecks;

  const priority = placementPriority(model, operations);
  const candidatesOf = (current: State): number[] => {
    for (const index of enabled) {
      if (readOnly[index] && model.step(current, operations[index]!.input, operations[index]!.output).ok) return [index];
    }
    const list = [...enabled].filter((index) => !readOnly[index]);
    // Operations with unknown outcome last: rarely needed, so a correct history is found sooner.
    return list.sort((left, right) => Number(!returned[left]) - Number(!returned[right]) || priority[left]! - priority[right]! || left - right);
  };
  const place = (index: number): void => {
    set.add(index);
    enabled.delete(index);
    for (const successor of successors[index]!) enabled.add(successor);
    if (returned[index]) returnedRemaining--;
  };
  const unplace = (index: number): void => {
    set.remove(index);
    for (const successor of successors[index]!) enabled.delete(successor);
    enabled.add(index);
    if (returned[index]) returnedRemaining++;
  };

  stack.push({ candidates: candidatesOf(state), next: 0, state, placed: -1 });
  for (;;) {
    if (returnedRemaining === 0) return { kind: 'sequential', memoEntries: memo.entryCount };
    if (--checkCountdown === 0) {
      checkCountdown = budget.stepsBetweenChecks;
      const spent = budgetSpent(budget, memo);
      if (spent !== null) return { kind: 'unknown', reason: spent, memoEntries: memo.entryCount };
    }
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.candidates.length) {
      // Exhausted: remember the deepest order seen, then undo the move that led here.
      if (stack.length - 1 > longest.length) longest = stack.slice(1).map((entry) => entry.placed);
      stack.pop();
      if (stack.length === 0) return { kind: 'not-sequential', longest, memoEntries: memo.entryCount };
      unplace(frame.placed);
      continue;
    }
    const index = frame.candidates[frame.next++]!;
    const result = model.step(frame.state, operations[index]!.input, operations[index]!.output);
    if (!result.ok) continue;
    set.add(index);
    const seen = memo.addIfAbsent(set, result.state, model.hash(result.state));
    set.remove(index);
    if (seen) continue;
    place(index);
    stack.push({ candidates: candidatesOf(result.state), next: 0, state: result.state, placed: index });
  }
}

/**
 * The order in which the search tries candidates: a write by its call time, and any other
 * operation (a read, a cas) just after the write whose value it observed. A follower that
 * lags serves a read long after the write it reflects; trying the read where its value was
 * current finds an order for most histories of a replicated store without backtracking.
 */
function placementPriority<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly CheckedOperation<Input, Output>[]): Float64Array {
  const priority = new Float64Array(operations.length);
  const writerCall = new Map<string, number>();
  const observed = (operation: CheckedOperation<Input, Output>): string | undefined => model.observedValue?.(operation.input, operation.output);
  for (const operation of operations) {
    const written = model.writtenValue?.(operation.input);
    if (written !== undefined && !writerCall.has(written)) writerCall.set(written, operation.call);
  }
  operations.forEach((operation, index) => {
    const value = observed(operation);
    const written = model.writtenValue?.(operation.input);
    const seen = value === undefined ? undefined : writerCall.get(value);
    priority[index] = seen !== undefined ? seen + 0.5 : value !== undefined && written === undefined ? Number.NEGATIVE_INFINITY : operation.call;
  });
  return priority;
}

/** The first operation that cannot follow `longest`: an enabled one that returned, illegal if possible. */
function blockedAfter<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly CheckedOperation<Input, Output>[], longest: readonly number[]): { blocked: number; state: State } {
  const predecessor = processOrder(operations);
  const placed = new Set(longest);
  let state = model.init();
  for (const index of longest) {
    const result = model.step(state, operations[index]!.input, operations[index]!.output);
    assert(result.ok, 'sequential counterexample: the longest order replays');
    state = result.state;
  }
  const enabled = operations
    .map((_, index) => index)
    .filter((index) => !placed.has(index) && operations[index]!.return !== null && (predecessor[index] === -1 || placed.has(predecessor[index]!)));
  const illegal = enabled.find((index) => !model.step(state, operations[index]!.input, operations[index]!.output).ok);
  return { blocked: illegal ?? enabled[0] ?? -1, state };
}

/** What proves a partition is not sequentially consistent: the search's counterexample, or the quick refutation's proof. */
type SequentialFailure = { readonly counterexample: Counterexample } | { readonly violation: SequentialViolation };

/**
 * Checks each partition of a history for sequential consistency (process order in place of
 * real-time order; ARCHITECTURE §6), smallest partition first, stopping at the first that fails:
 * the driver is the linearizability check's (`checkPartitions`), the order is each client's own.
 */
export function checkSequentialConsistency<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly CheckedOperation<Input, Output>[],
  options: SequentialCheckOptions,
): SequentialResult {
  const refute = options.refute;
  const { outcome, failure, ...figures } = checkPartitions<State, Input, Output, SequentialFailure>(model, operations, options, {
    refute:
      refute === undefined
        ? undefined
        : (partition) => {
            const violation = refute(partition.operations as readonly CheckedOperation<unknown, unknown>[]);
            return violation === null ? null : { violation };
          },
    search: (partition, budget, hashWords) => {
      if (options.witness !== false && sequentialWitness(model, partition.operations) !== null) return { kind: 'holds', memoEntries: 0 };
      const searched = searchSequential(model, partition.operations, budget, hashWords);
      if (searched.kind === 'not-sequential') return { kind: 'fails', failure: { counterexample: describeSequentialCounterexample(model, partition, searched.longest) }, memoEntries: searched.memoEntries };
      return searched.kind === 'sequential' ? { kind: 'holds', memoEntries: searched.memoEntries } : searched;
    },
  });
  if (outcome === 'fails') return { verdict: 'not-sequential', ...figures, ...failure };
  return { verdict: outcome === 'holds' ? 'sequential' : 'unknown', ...figures };
}

function describeSequentialCounterexample<State, Input, Output>(model: Model<State, Input, Output>, partition: Partition<Input, Output>, longest: readonly number[]): Counterexample {
  const { blocked, state } = blockedAfter(model, partition.operations, longest);
  const described = describeCounterexample(model, partition, longest, state, blocked);
  if (blocked === -1) return described;
  const operation = partition.operations[blocked]!;
  if (!model.step(state, operation.input, operation.output).ok) return described;
  return { ...described, explanation: `${model.describeOperation(operation.input, operation.output)} can follow here, but every order that keeps each client's own order fails later` };
}
