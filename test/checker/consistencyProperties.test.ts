import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prngStream } from '../../src/base/prng';
import { checkLinearizability } from '../../src/checker/linearizability';
import { createModel } from '../../src/checker/models';
import { checkSequentialConsistency } from '../../src/checker/sequential';
import { checkSessionGuarantees, sessionGuarantees } from '../../src/checker/session';
import { syntheticLabHistory } from '../../src/checker/synthetic';
import type { Operation } from '../../src/history/operation';

const model = createModel({ name: 'kv-cas-register', initial: null, semantics: 'lab' });
const now = () => performance.now();

const parameters = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  operationCount: fc.integer({ min: 0, max: 24 }),
  keyCount: fc.integer({ min: 1, max: 2 }),
  clientCount: fc.integer({ min: 1, max: 4 }),
  infoProbability: fc.constantFrom(0, 0.1),
  mutations: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }),
});

/** A linearizable history with up to three reads changed to another value written on their key (or the initial one). */
function mutatedHistory(input: { seed: number; operationCount: number; keyCount: number; clientCount: number; infoProbability: number; mutations: Array<[number, number]> }): Operation[] {
  const operations = syntheticLabHistory({ ...input, durationMicrosecondsMax: 40 }, prngStream(input.seed, 'consistency-property'));
  const reads = operations.filter((operation) => operation.input.f === 'read' && operation.output.type === 'ok');
  for (const [readChoice, valueChoice] of input.mutations) {
    if (reads.length === 0) break;
    const read = reads[readChoice % reads.length]!;
    const values = [null, ...operations.filter((operation) => operation.input.key === read.input.key && operation.input.f === 'write').map((operation) => (operation.input as { value: string }).value)];
    const value = values[valueChoice % values.length]!;
    operations[read.id] = { ...read, output: { type: 'ok', value } };
  }
  return operations;
}

/** Brute force: some total order of the returned operations (and any subset of the rest) keeps each client's order and the register's rules. */
function sequentialByBruteForce(operations: readonly Operation[]): boolean {
  const relevant = operations.filter((operation) => !(operation.input.f === 'read' && operation.output.type !== 'ok') && operation.output.type !== 'fail');
  const byKey = new Map<string, Operation[]>();
  for (const operation of relevant) byKey.set(operation.input.key, [...(byKey.get(operation.input.key) ?? []), operation]);
  for (const list of byKey.values()) {
    const placed = new Set<number>();
    const mustPlace = list.filter((operation) => operation.return !== null).length;
    const enabled = (operation: Operation): boolean => {
      // Every returned operation of the same client called before it must be placed.
      return list.every((other) => other.clientId !== operation.clientId || other.call >= operation.call || other.return === null || placed.has(other.id));
    };
    const search = (state: string | null, placedReturned: number): boolean => {
      if (placedReturned === mustPlace) return true;
      for (const operation of list) {
        if (placed.has(operation.id) || !enabled(operation)) continue;
        const step = model.step(state, operation.input, operation.output);
        if (!step.ok) continue;
        placed.add(operation.id);
        const found = search(step.state as string | null, placedReturned + (operation.return === null ? 0 : 1));
        placed.delete(operation.id);
        if (found) return true;
      }
      return false;
    };
    if (!search(null, 0)) return false;
  }
  return true;
}

describe('properties of the consistency map', () => {
  it('the sequential search agrees with brute force on small histories', () => {
    fc.assert(
      fc.property(parameters, (input) => {
        const operations = mutatedHistory({ ...input, operationCount: Math.min(input.operationCount, 9) });
        const verdict = checkSequentialConsistency(model, operations, { now }).verdict;
        expect(verdict).toBe(sequentialByBruteForce(operations) ? 'sequential' : 'not-sequential');
      }),
      { numRuns: 300 },
    );
  });

  it('linearizable ⇒ sequentially consistent per key', () => {
    fc.assert(
      fc.property(parameters, (input) => {
        const operations = mutatedHistory(input);
        const linearizable = checkLinearizability(model, operations, { now }).verdict;
        if (linearizable === 'linearizable') expect(checkSequentialConsistency(model, operations, { now }).verdict).toBe('sequential');
      }),
      { numRuns: 300 },
    );
  });

  it('sequentially consistent per key ⇒ all four session guarantees (monotonic reads for each process, and the rest)', () => {
    fc.assert(
      fc.property(parameters, (input) => {
        const operations = mutatedHistory(input);
        if (checkSequentialConsistency(model, operations, { now }).verdict !== 'sequential') return;
        const session = checkSessionGuarantees(operations, { initial: null });
        for (const guarantee of sessionGuarantees) expect(session[guarantee], guarantee).toEqual({ status: 'holds' });
      }),
      { numRuns: 300 },
    );
  });

  it('mutations do break the weaker models sometimes (the properties above are not vacuous)', () => {
    let notSequential = 0;
    let monotonicReadBreaks = 0;
    for (let seed = 0; seed < 200; seed++) {
      const operations = mutatedHistory({ seed, operationCount: 20, keyCount: 1, clientCount: 3, infoProbability: 0, mutations: [[seed, seed * 7], [seed * 3, seed + 1]] });
      if (checkSequentialConsistency(model, operations, { now }).verdict === 'not-sequential') notSequential++;
      if (checkSessionGuarantees(operations, { initial: null }).monotonicReads.status === 'violated') monotonicReadBreaks++;
    }
    expect(notSequential).toBeGreaterThan(20);
    expect(monotonicReadBreaks).toBeGreaterThan(5);
  });
});
