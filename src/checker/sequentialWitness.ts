import type { Model } from './model';
import type { CheckedOperation } from './partitions';

/**
 * Process order of one partition: for each operation, the operation of the same client that
 * must precede it (the client's previous operation that returned), or -1. An operation with
 * unknown outcome constrains nothing after it: the client moved on without knowing whether, or
 * when, it took effect, so it may be placed anywhere after its predecessor, or nowhere.
 */
export function processOrder<Input, Output>(operations: readonly CheckedOperation<Input, Output>[]): Int32Array {
  const order = operations.map((_, index) => index).sort((left, right) => operations[left]!.call - operations[right]!.call || left - right);
  const predecessor = new Int32Array(operations.length).fill(-1);
  const lastReturned = new Map<number, number>();
  for (const index of order) {
    const operation = operations[index]!;
    predecessor[index] = lastReturned.get(operation.clientId) ?? -1;
    if (operation.return !== null) lastReturned.set(operation.clientId, index);
  }
  return predecessor;
}

/** The operations in call order, and each client's operations in that order. */
function clientChains<Input, Output>(operations: readonly CheckedOperation<Input, Output>[]): { order: number[]; chains: Map<number, number[]> } {
  const order = operations.map((_, index) => index).sort((left, right) => operations[left]!.call - operations[right]!.call || left - right);
  const chains = new Map<number, number[]>();
  for (const index of order) {
    const chain = chains.get(operations[index]!.clientId);
    if (chain === undefined) chains.set(operations[index]!.clientId, [index]);
    else chain.push(index);
  }
  return { order, chains };
}

/** Model steps one witness attempt may spend placing reads, per operation, before it gives up (the search then decides). */
const placementStepsPerOperation = 64;

/**
 * A quick proof that one partition is sequentially consistent, tried before the search: guess the
 * order of the writes, put every read at the first point after its client's previous operation
 * where it is legal, and check the result is a witness — every returned operation in it, each
 * after its process-order predecessor, every step legal in the model. Sound whatever the guess: an
 * order is only returned once it has been checked step by step, and null (no proof either way)
 * sends the partition to the search.
 *
 * The guess: what each client's order forces (its writes in order; a write it read from before
 * anything it does next; its own write before a value it reads later), and otherwise the order
 * the writes were acknowledged in (then called in), which in a replicated register is nearly the
 * order its log holds them in. Acknowledgement order alone was not enough: two writes acknowledged
 * through different replicas arrive in either order, and a client that reads the other's value
 * after its own write proves which came first.
 *
 * Why: the depth-first search explores client interleavings, and a history of session reads
 * (ZooKeeper's, stale but in each client's order) with hundreds of operations a key kept it busy
 * past its 10 s budget on half the guarantees table's ZooKeeper runs, although the witness is
 * simply "writes in log order, each read where its value was current".
 */
export function sequentialWitness<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly CheckedOperation<Input, Output>[]): number[] | null {
  if (model.writtenValue === undefined || model.isReadOnly === undefined) return null;
  const predecessor = processOrder(operations);
  const byReturn = (index: number): number => operations[index]!.return ?? operations[index]!.call;
  const byCall = (index: number): number => operations[index]!.call;
  return witnessForWriteOrder(model, operations, predecessor, byReturn) ?? witnessForWriteOrder(model, operations, predecessor, byCall);
}

function witnessForWriteOrder<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly CheckedOperation<Input, Output>[], predecessor: Int32Array, rank: (index: number) => number): number[] | null {
  const count = operations.length;
  const returned = (index: number): boolean => operations[index]!.return !== null;
  const isWrite = (index: number): boolean => model.writtenValue?.(operations[index]!.input) !== undefined && !(returned(index) && model.isReadOnly?.(operations[index]!.input, operations[index]!.output) === true);

  // The writes to order: every one that returned, and those of unknown outcome whose value someone observed.
  const observed = new Set<string>();
  for (const operation of operations) {
    const value = operation.return === null ? undefined : model.observedValue?.(operation.input, operation.output);
    if (value !== undefined) observed.add(value);
  }
  const writes: number[] = [];
  for (let index = 0; index < count; index++) {
    if (!isWrite(index)) continue;
    if (returned(index) || observed.has(model.writtenValue?.(operations[index]!.input) as string)) writes.push(index);
  }
  const ordered = constrainedWriteOrder(model, operations, writes, rank);
  if (ordered === null) return null;
  writes.splice(0, writes.length, ...ordered);

  // The state after each write (slot k holds the state after writes[k]; slot -1 is the initial state).
  const states: State[] = [];
  let state = model.init();
  for (const index of writes) {
    const step = model.step(state, operations[index]!.input, operations[index]!.output);
    if (!step.ok) return null;
    state = step.state;
    states.push(state);
  }
  const stateAt = (slot: number): State => (slot < 0 ? model.init() : states[slot]!);
  const writeSlot = new Int32Array(count).fill(-2);
  writes.forEach((index, slot) => {
    writeSlot[index] = slot;
  });
  const writerSlot = new Map<string, number>();
  writes.forEach((index, slot) => {
    const value = model.writtenValue?.(operations[index]!.input) as string;
    if (!writerSlot.has(value)) writerSlot.set(value, slot);
  });

  // Positions: write k at 2k + 1, a read after write k (slot k) at 2k + 2, before any write at 0.
  const position = new Float64Array(count).fill(Number.NaN);
  const { order, chains } = clientChains(operations);
  let stepsLeft = placementStepsPerOperation * (count + 1);
  for (const chain of chains.values()) {
    let cursor = 0;
    for (const index of chain) {
      if (writeSlot[index]! >= 0) {
        const at = 2 * writeSlot[index]! + 1;
        if (at <= cursor) return null;
        position[index] = at;
        if (returned(index)) cursor = at;
        continue;
      }
      if (!returned(index)) continue;
      // A read (or a failed cas): the first slot at or after the cursor where it is legal, trying its value's writer first.
      const first = Math.floor((cursor - 1) / 2);
      const operation = operations[index]!;
      const legal = (slot: number): boolean => {
        stepsLeft--;
        return model.step(stateAt(slot), operation.input, operation.output).ok;
      };
      const value = model.observedValue?.(operation.input, operation.output);
      const hinted = value === undefined ? undefined : writerSlot.get(value);
      let slot = hinted !== undefined && hinted >= first && legal(hinted) ? hinted : -2;
      for (let candidate = first; slot === -2 && candidate < writes.length; candidate++) {
        if (stepsLeft <= 0) return null;
        if (legal(candidate)) slot = candidate;
      }
      if (slot === -2) return null;
      position[index] = 2 * slot + 2;
      cursor = position[index]!;
    }
  }

  // The witness: placed operations by position (reads sharing a slot keep their clients' order), then checked.
  const placed = order.filter((index) => !Number.isNaN(position[index]!));
  placed.sort((left, right) => position[left]! - position[right]! || operations[left]!.call - operations[right]!.call || left - right);
  return isWitness(model, operations, predecessor, placed) ? placed : null;
}

/** Every returned operation placed, each after its process-order predecessor, every step legal from the initial state. */
function isWitness<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly CheckedOperation<Input, Output>[], predecessor: Int32Array, order: readonly number[]): boolean {
  const done = new Uint8Array(operations.length);
  let state = model.init();
  for (const index of order) {
    if (done[index] === 1) return false;
    const before = predecessor[index]!;
    if (before !== -1 && done[before] !== 1) return false;
    const step = model.step(state, operations[index]!.input, operations[index]!.output);
    if (!step.ok) return false;
    state = step.state;
    done[index] = 1;
  }
  return operations.every((operation, index) => operation.return === null || done[index] === 1);
}

/**
 * The writes in an order every client's own order allows (see sequentialWitness), ties broken by
 * `rank`; null when those constraints form a cycle or a client reads the initial value after an
 * anchor, which no order of the writes fixes (the search decides).
 */
function constrainedWriteOrder<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly CheckedOperation<Input, Output>[], writes: readonly number[], rank: (index: number) => number): number[] | null {
  const isListed = new Set(writes);
  const writerOf = new Map<string, number>();
  const written = new Set<string>();
  for (const index of writes) {
    const value = model.writtenValue?.(operations[index]!.input) as string;
    if (written.has(value)) writerOf.delete(value);
    else writerOf.set(value, index);
    written.add(value);
  }
  const after = new Map<number, number[]>();
  const pending = new Map<number, number>(writes.map((index) => [index, 0]));
  const edge = (from: number, to: number): void => {
    if (from === to) return;
    const list = after.get(from);
    if (list === undefined) after.set(from, [to]);
    else list.push(to);
    pending.set(to, (pending.get(to) ?? 0) + 1);
  };
  const { chains } = clientChains(operations);
  const initial = -1;
  for (const chain of chains.values()) {
    // The write the client's last operation was anchored at: one it made, or the one it read from.
    let anchor: number | null = null;
    for (const index of chain) {
      const operation = operations[index]!;
      if (isListed.has(index)) {
        if (anchor !== null && anchor !== initial) edge(anchor, index);
        if (operation.return !== null) anchor = index;
        continue;
      }
      if (operation.return === null) continue;
      const value = model.observedValue?.(operation.input, operation.output);
      if (value === undefined || model.writtenValue?.(operation.input) !== undefined) continue;
      const source = writerOf.get(value);
      if (source === undefined) {
        if (written.has(value)) continue;
        // A read of a value no write made: the initial state (or nothing: then the check fails anyway).
        if (anchor !== null && anchor !== initial) return null;
        anchor = initial;
        continue;
      }
      if (anchor !== null && anchor !== initial) edge(anchor, source);
      anchor = source;
    }
  }
  // Kahn's algorithm, the lowest rank first among the writes free to go.
  const heap: number[] = [];
  const less = (left: number, right: number): boolean => rank(left) < rank(right) || (rank(left) === rank(right) && left < right);
  const push = (index: number): void => {
    heap.push(index);
    for (let at = heap.length - 1; at > 0; ) {
      const parent = (at - 1) >> 1;
      if (!less(heap[at]!, heap[parent]!)) break;
      [heap[at], heap[parent]] = [heap[parent]!, heap[at]!];
      at = parent;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let at = 0; ; ) {
        const left = 2 * at + 1;
        const right = left + 1;
        let least = at;
        if (left < heap.length && less(heap[left]!, heap[least]!)) least = left;
        if (right < heap.length && less(heap[right]!, heap[least]!)) least = right;
        if (least === at) break;
        [heap[at], heap[least]] = [heap[least]!, heap[at]!];
        at = least;
      }
    }
    return top;
  };
  for (const index of writes) if (pending.get(index) === 0) push(index);
  const order: number[] = [];
  while (heap.length > 0) {
    const index = pop();
    order.push(index);
    for (const next of after.get(index) ?? []) {
      const left = (pending.get(next) as number) - 1;
      pending.set(next, left);
      if (left === 0) push(next);
    }
  }
  return order.length === writes.length ? order : null;
}

