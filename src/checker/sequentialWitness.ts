import { EventQueue } from '../sim/queue';
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
  const partition = describePartition(model, operations);
  const constraints = writeConstraints(model, operations, partition);
  // The constraints do not depend on the tie-break: a cycle fails both, so it ends the attempt.
  if (constraints === null) return null;
  const byReturn = (index: number): number => operations[index]!.return ?? operations[index]!.call;
  const byCall = (index: number): number => operations[index]!.call;
  for (const rank of [byReturn, byCall]) {
    const writes = topologicalOrder(partition.writes, constraints, rank);
    if (writes === null) return null;
    const witness = placeReads(model, operations, partition, writes);
    if (witness !== null) return witness;
  }
  return null;
}

/** What both attempts need of a partition, computed once. */
interface PartitionFacts {
  readonly predecessor: Int32Array;
  /** The operations in call order. */
  readonly order: readonly number[];
  /** Each client's operations, in call order. */
  readonly chains: ReadonlyMap<number, readonly number[]>;
  /** The writes to order: every one that returned, and those of unknown outcome whose value someone observed. */
  readonly writes: readonly number[];
  readonly isWrite: Uint8Array;
}

function describePartition<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly CheckedOperation<Input, Output>[]): PartitionFacts {
  const order = operations.map((_, index) => index).sort((left, right) => operations[left]!.call - operations[right]!.call || left - right);
  const chains = new Map<number, number[]>();
  for (const index of order) {
    const chain = chains.get(operations[index]!.clientId);
    if (chain === undefined) chains.set(operations[index]!.clientId, [index]);
    else chain.push(index);
  }
  const observed = new Set<string>();
  for (const operation of operations) {
    const value = operation.return === null ? undefined : model.observedValue?.(operation.input, operation.output);
    if (value !== undefined) observed.add(value);
  }
  const isWrite = new Uint8Array(operations.length);
  const writes: number[] = [];
  operations.forEach((operation, index) => {
    const written = model.writtenValue?.(operation.input);
    if (written === undefined) return;
    const returned = operation.return !== null;
    // A write that returned and left the state as it was (a failed cas) is a read here.
    if (returned && model.isReadOnly?.(operation.input, operation.output) === true) return;
    if (!returned && !observed.has(written)) return;
    isWrite[index] = 1;
    writes.push(index);
  });
  return { predecessor: processOrder(operations), order, chains, writes, isWrite };
}

/** Edges "this write before that one" that every client's own order forces. */
interface WriteConstraints {
  readonly after: ReadonlyMap<number, readonly number[]>;
  /** Per operation index, how many writes must come before it. */
  readonly before: Int32Array;
}

/**
 * The order constraints on the writes (see sequentialWitness); null when a client reads the
 * initial value after an anchor, which no order of the writes fixes (the search decides).
 */
function writeConstraints<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly CheckedOperation<Input, Output>[], partition: PartitionFacts): WriteConstraints | null {
  const writerOf = new Map<string, number>();
  const written = new Set<string>();
  for (const index of partition.writes) {
    const value = model.writtenValue?.(operations[index]!.input) as string;
    if (written.has(value)) writerOf.delete(value);
    else writerOf.set(value, index);
    written.add(value);
  }
  const after = new Map<number, number[]>();
  const before = new Int32Array(operations.length);
  const edge = (from: number, to: number): void => {
    if (from === to) return;
    const list = after.get(from);
    if (list === undefined) after.set(from, [to]);
    else list.push(to);
    before[to]!++;
  };
  const initial = -1;
  for (const chain of partition.chains.values()) {
    // The write the client's last operation was anchored at: one it made, or the one it read from.
    let anchor: number | null = null;
    for (const index of chain) {
      const operation = operations[index]!;
      if (partition.isWrite[index] === 1) {
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
  return { after, before };
}

/**
 * The writes in an order the constraints allow, the lowest rank first among those free to go
 * (Kahn's algorithm on the simulator's heap, keyed by each write's place in rank order); null on a
 * cycle.
 */
function topologicalOrder(writes: readonly number[], constraints: WriteConstraints, rank: (index: number) => number): number[] | null {
  const byRank = [...writes].sort((left, right) => rank(left) - rank(right) || left - right);
  const place = new Map<number, number>();
  byRank.forEach((index, position) => place.set(index, position));
  const before = constraints.before.slice();
  const free = new EventQueue<number>();
  for (const index of byRank) if (before[index] === 0) free.push(place.get(index) as number, index);
  const order: number[] = [];
  for (let index = free.pop(); index !== undefined; index = free.pop()) {
    order.push(index);
    for (const next of constraints.after.get(index) ?? []) if (--before[next]! === 0) free.push(place.get(next) as number, next);
  }
  return order.length === writes.length ? order : null;
}

/** Places every read at the first legal point after its client's previous operation, the writes in `writes` order, and checks the result. */
function placeReads<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly CheckedOperation<Input, Output>[], partition: PartitionFacts, writes: readonly number[]): number[] | null {
  const count = operations.length;
  // The state after each write (slot k holds the state after writes[k]; slot -1 is the initial state).
  const initialState = model.init();
  const states: State[] = [];
  let state = initialState;
  for (const index of writes) {
    const step = model.step(state, operations[index]!.input, operations[index]!.output);
    if (!step.ok) return null;
    state = step.state;
    states.push(state);
  }
  const stateAt = (slot: number): State => (slot < 0 ? initialState : states[slot]!);
  const writeSlot = new Int32Array(count).fill(-2);
  const writerSlot = new Map<string, number>();
  writes.forEach((index, slot) => {
    writeSlot[index] = slot;
    const value = model.writtenValue?.(operations[index]!.input) as string;
    if (!writerSlot.has(value)) writerSlot.set(value, slot);
  });

  // Positions: write k at 2k + 1, a read after write k (slot k) at 2k + 2, before any write at 0.
  const position = new Float64Array(count).fill(Number.NaN);
  let stepsLeft = placementStepsPerOperation * (count + 1);
  for (const chain of partition.chains.values()) {
    let cursor = 0;
    for (const index of chain) {
      const operation = operations[index]!;
      if (writeSlot[index]! >= 0) {
        const at = 2 * writeSlot[index]! + 1;
        if (at <= cursor) return null;
        position[index] = at;
        if (operation.return !== null) cursor = at;
        continue;
      }
      if (operation.return === null) continue;
      // A read (or a failed cas): the first slot at or after the cursor where it is legal, trying its value's writer first.
      const first = Math.floor((cursor - 1) / 2);
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
  const placed = partition.order.filter((index) => !Number.isNaN(position[index]!));
  placed.sort((left, right) => position[left]! - position[right]! || operations[left]!.call - operations[right]!.call || left - right);
  return isWitness(model, operations, partition.predecessor, placed) ? placed : null;
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
