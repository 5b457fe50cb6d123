import { assert } from '../base/assert';
import type { Model } from './model';
import { LinearizedSet, MemoTable } from './memo';

/** One operation of one partition, as the search sees it. */
export interface SearchOperation<Input, Output> {
  readonly call: number;
  /** null: the outcome is unknown, so the operation may take effect after its call, or never. */
  readonly return: number | null;
  readonly input: Input;
  readonly output: Output;
}

/** Why a search gave up without a verdict. */
export type UnknownReason = 'timeout' | 'cancelled' | 'memory';

/** Limits shared by every partition of one check. */
export interface SearchBudget {
  /** Milliseconds from the host's clock (src/ has none of its own). */
  readonly now: () => number;
  /** `now()` value after which the search stops with `unknown`. */
  readonly deadlineMs: number;
  readonly isCancelled?: () => boolean;
  /** Bytes the memo table may hold before the search stops with `unknown`. */
  readonly memoryBytesMax: number;
  /** Loop iterations between two looks at the clock and the cancel flag. */
  readonly stepsBetweenChecks: number;
  /** Loop iterations so far, over all partitions. */
  steps: number;
}

/**
 * Called every `stepsBetweenChecks` iterations of a search loop: why the search must stop now
 * (cancelled, out of time, its memo over budget), or null to go on.
 */
export function budgetSpent(budget: SearchBudget, memo: { byteCount(): number }): UnknownReason | null {
  budget.steps += budget.stepsBetweenChecks;
  if (budget.isCancelled?.() === true) return 'cancelled';
  if (budget.now() > budget.deadlineMs) return 'timeout';
  if (memo.byteCount() > budget.memoryBytesMax) return 'memory';
  return null;
}

export type PartitionOutcome<State> =
  | { readonly kind: 'linearizable'; readonly memoEntries: number }
  | {
      readonly kind: 'not-linearizable';
      /** Operation indexes of the longest partial linearization found, in linearization order. */
      readonly longest: readonly number[];
      /** The state after `longest`. */
      readonly stateAfter: State;
      /** The operation whose return was reached while `longest` was the configuration, or -1. */
      readonly blocked: number;
      readonly memoEntries: number;
    }
  | { readonly kind: 'unknown'; readonly reason: UnknownReason; readonly memoEntries: number };

/** The random words that hash linearized sets; drawn once per check from a seeded Prng. */
export interface SetHashWords {
  readonly words1: Int32Array;
  readonly words2: Int32Array;
}

/**
 * Sorts calls and returns into one event list: by time, and at equal times calls before
 * returns, so two operations that merely touch are treated as concurrent (the permissive
 * reading, which can hide a violation but never invent one). Operations without a return
 * (unknown outcome) have only a call event: their return is at +∞.
 */
function buildEvents(operations: readonly SearchOperation<unknown, unknown>[]): {
  eventOperation: Int32Array;
  eventIsCall: Uint8Array;
  callPosition: Int32Array;
  returnPosition: Int32Array;
} {
  const count = operations.length;
  let eventCount = 0;
  let timeMax = 0;
  let timesAreSmallIntegers = true;
  for (let index = 0; index < count; index++) {
    const operation = operations[index]!;
    const call = operation.call;
    assert(Number.isFinite(call), () => `operation ${index}: call time must be finite`);
    eventCount++;
    if (!Number.isInteger(call) || call < 0) timesAreSmallIntegers = false;
    else if (call > timeMax) timeMax = call;
    if (operation.return !== null) {
      const returned = operation.return;
      assert(returned >= call, () => `operation ${index}: returns (${returned}) before its call (${call})`);
      eventCount++;
      if (!Number.isInteger(returned)) timesAreSmallIntegers = false;
      else if (returned > timeMax) timeMax = returned;
    }
  }
  // Event codes are operation * 2 + (1 for a return). When times are non-negative integers
  // small enough, the order (time, calls before returns, code) is one exact number per
  // event, (time * 2 + isReturn) * 2count + code, and a native numeric sort orders them with
  // no comparator calls — the comparator sort was the largest cost of a big history, and
  // slower still before the JIT warms up. Otherwise the comparator sort is used.
  const codeCount = count * 2;
  const order = new Float64Array(eventCount);
  if (timesAreSmallIntegers && (timeMax * 2 + 2) * codeCount < Number.MAX_SAFE_INTEGER) {
    let at = 0;
    for (let index = 0; index < count; index++) {
      const operation = operations[index]!;
      order[at++] = operation.call * 2 * codeCount + index * 2;
      if (operation.return !== null) order[at++] = (operation.return * 2 + 1) * codeCount + index * 2 + 1;
    }
    order.sort();
    for (let position = 0; position < eventCount; position++) order[position] = order[position]! % codeCount;
  } else {
    let at = 0;
    for (let index = 0; index < count; index++) {
      order[at++] = index * 2;
      if (operations[index]!.return !== null) order[at++] = index * 2 + 1;
    }
    const time = (event: number): number => {
      const operation = operations[event >>> 1]!;
      return (event & 1) === 0 ? operation.call : (operation.return as number);
    };
    order.sort((left, right) => time(left) - time(right) || (left & 1) - (right & 1) || left - right);
  }
  const eventOperation = new Int32Array(order.length);
  const eventIsCall = new Uint8Array(order.length);
  const callPosition = new Int32Array(count).fill(-1);
  const returnPosition = new Int32Array(count).fill(-1);
  for (let position = 0; position < order.length; position++) {
    const event = order[position]!;
    const operation = event >>> 1;
    eventOperation[position] = operation;
    if ((event & 1) === 0) {
      eventIsCall[position] = 1;
      callPosition[operation] = position;
    } else {
      returnPosition[operation] = position;
    }
  }
  return { eventOperation, eventIsCall, callPosition, returnPosition };
}

/**
 * Decides whether one partition is linearizable: the Wing & Gong search ("Testing and
 * verifying concurrent objects", 1993) with Lowe's memoisation, in the form Porcupine uses:
 * a doubly linked list of call and return events from which a linearized operation is
 * "lifted" (both its events removed) and "unlifted" on backtracking, scanned from the head.
 * Reaching a return event means the operation it belongs to had to be linearized already:
 * backtrack. Iterative, with an explicit stack, so deep histories cannot overflow the call
 * stack. Operations with unknown outcome never need to be linearized: the search succeeds as
 * soon as every operation that returned is.
 */
export function searchPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly SearchOperation<Input, Output>[],
  budget: SearchBudget,
  hashWords: SetHashWords,
  earlierTwin: Int32Array = new Int32Array(operations.length).fill(-1),
): PartitionOutcome<State> {
  const count = operations.length;
  const { eventOperation, eventIsCall, callPosition, returnPosition } = buildEvents(operations);
  const eventCount = eventOperation.length;
  // Position `eventCount` is the list head (a sentinel); -1 is "no event".
  const head = eventCount;
  const next = new Int32Array(eventCount + 1);
  const previous = new Int32Array(eventCount + 1);
  for (let position = 0; position <= eventCount; position++) {
    next[position] = position + 1 < eventCount ? position + 1 : -1;
    previous[position] = position === 0 ? head : position - 1;
  }
  next[head] = eventCount > 0 ? 0 : -1;
  previous[head] = -1;

  const unlink = (position: number): void => {
    const before = previous[position]!;
    const after = next[position]!;
    next[before] = after;
    if (after !== -1) previous[after] = before;
  };
  const relink = (position: number): void => {
    const before = previous[position]!;
    const after = next[position]!;
    next[before] = position;
    if (after !== -1) previous[after] = position;
  };
  const lift = (operation: number): void => {
    unlink(callPosition[operation]!);
    const returnAt = returnPosition[operation]!;
    if (returnAt !== -1) unlink(returnAt);
  };
  // Unlifting happens in the reverse order of lifting, so each event's own links still name
  // its neighbours (Knuth's dancing links).
  const unlift = (operation: number): void => {
    const returnAt = returnPosition[operation]!;
    if (returnAt !== -1) relink(returnAt);
    relink(callPosition[operation]!);
  };

  const inputs = operations.map((operation) => operation.input);
  const outputs = operations.map((operation) => operation.output);
  let returnedRemaining = 0;
  for (let index = 0; index < count; index++) if (returnPosition[index] !== -1) returnedRemaining++;

  const set = new LinearizedSet(count, hashWords.words1, hashWords.words2);
  const memo = new MemoTable<State>((left, right) => model.equal(left, right));
  const stackOperation = new Int32Array(count);
  const stackState: State[] = new Array<State>(count);
  let depth = 0;
  let state = model.init();

  // The longest partial linearization, kept without copying the stack on every push:
  // `commonLength` is how much of the current stack equals the stored best.
  const bestOperation = new Int32Array(count);
  let bestLength = 0;
  let commonLength = 0;
  let bestState = state;
  let blocked = -1;

  const readOnly = new Uint8Array(count);
  for (let index = 0; index < count; index++) {
    if (returnPosition[index] !== -1 && model.isReadOnly?.(inputs[index]!, outputs[index]!) === true) readOnly[index] = 1;
  }
  const stackForced = new Uint8Array(count);

  // Three passes over the candidates of each configuration (the calls before the first
  // return left in the list):
  // 0. read-only operations: the first one that is legal is linearized with no alternative
  //    tried (see Model.isReadOnly), and if its configuration was seen, this one fails too;
  // 1. the other operations that returned, in call order;
  // 2. the operations with unknown outcome: rarely needed and, never returning, candidates
  //    everywhere, so trying them last finds a linearization of a correct history sooner.
  let pass = 0;
  let checkCountdown = budget.stepsBetweenChecks;
  let entry = next[head]!;
  for (;;) {
    if (returnedRemaining === 0) return { kind: 'linearizable', memoEntries: memo.entryCount };
    if (--checkCountdown === 0) {
      checkCountdown = budget.stepsBetweenChecks;
      const spent = budgetSpent(budget, memo);
      if (spent !== null) return { kind: 'unknown', reason: spent, memoEntries: memo.entryCount };
    }
    if (entry === -1 || eventIsCall[entry] === 0) {
      if (pass < 2) {
        pass++;
        entry = next[head]!;
        continue;
      }
      if (depth === bestLength && commonLength === depth && blocked === -1 && entry !== -1) blocked = eventOperation[entry]!;
      // Backtrack: past every frame whose move was forced, then resume the pass of the move.
      let operation: number;
      do {
        if (depth === 0) {
          return {
            kind: 'not-linearizable',
            longest: Array.from(bestOperation.subarray(0, bestLength)),
            stateAfter: bestState,
            blocked,
            memoEntries: memo.entryCount,
          };
        }
        depth--;
        if (commonLength > depth) commonLength = depth;
        operation = stackOperation[depth]!;
        state = stackState[depth] as State;
        stackState[depth] = undefined as State;
        set.remove(operation);
        unlift(operation);
        if (returnPosition[operation] !== -1) returnedRemaining++;
      } while (stackForced[depth] === 1);
      pass = returnPosition[operation] === -1 ? 2 : 1;
      entry = next[callPosition[operation]!]!;
      continue;
    }
    const operation = eventOperation[entry]!;
    const returned = returnPosition[operation] !== -1;
    const passOfOperation = readOnly[operation] === 1 ? 0 : returned ? 1 : 2;
    // Identical operations with unknown outcome are interchangeable: take them in call order
    // only (the earlier one can stand in for the later in any linearization).
    if (passOfOperation !== pass || (!returned && earlierTwin[operation] !== -1 && !set.has(earlierTwin[operation]!))) {
      entry = next[entry]!;
      continue;
    }
    const result = model.step(state, inputs[operation]!, outputs[operation]!);
    if (result.ok) {
      set.add(operation);
      if (!memo.addIfAbsent(set, result.state, model.hash(result.state))) {
        stackOperation[depth] = operation;
        stackState[depth] = state;
        stackForced[depth] = pass === 0 ? 1 : 0;
        if (commonLength === depth && depth < bestLength && bestOperation[depth] === operation) commonLength++;
        depth++;
        state = result.state;
        if (depth > bestLength) {
          for (let index = commonLength; index < depth; index++) bestOperation[index] = stackOperation[index]!;
          bestLength = depth;
          commonLength = depth;
          bestState = state;
          blocked = -1;
        }
        lift(operation);
        if (returned) returnedRemaining--;
        pass = 0;
        entry = next[head]!;
        continue;
      }
      set.remove(operation);
      if (pass === 0) {
        // The forced move leads to a configuration already explored (and so failed): this
        // configuration fails as well. Jump to the end of the passes to backtrack.
        pass = 2;
        entry = -1;
        continue;
      }
    }
    entry = next[entry]!;
  }
}
