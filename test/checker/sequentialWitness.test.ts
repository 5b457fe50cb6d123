import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prngStream } from '../../src/base/prng';
import { createModel } from '../../src/checker/models';
import { splitIntoPartitions } from '../../src/checker/partitions';
import { checkSequentialConsistency } from '../../src/checker/sequential';
import { sequentialWitness } from '../../src/checker/sequentialWitness';
import { syntheticLabHistory } from '../../src/checker/synthetic';
import { runExperiment } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import type { Operation } from '../../src/history/operation';

const model = createModel({ name: 'kv-cas-register', initial: null, semantics: 'lab' });
const now = () => performance.now();

/** A synthetic history with up to three reads changed to another value of their key (or the initial one, or one never written), so some are not sequential. */
function history(seed: number, operationCount: number, clientCount: number, mutations: ReadonlyArray<readonly [number, number]>): Operation[] {
  const operations = syntheticLabHistory({ operationCount, keyCount: 1, clientCount, infoProbability: 0.1, durationMicrosecondsMax: 40 }, prngStream(seed, 'witness-property'));
  const reads = operations.filter((operation) => operation.input.f === 'read' && operation.output.type === 'ok');
  for (const [readChoice, valueChoice] of mutations) {
    if (reads.length === 0) break;
    const read = reads[readChoice % reads.length]!;
    const values = [null, 'never-written', ...operations.filter((operation) => operation.input.f === 'write').map((operation) => (operation.input as { value: string }).value)];
    operations[read.id] = { ...read, output: { type: 'ok', value: values[valueChoice % values.length]! } };
  }
  return operations;
}

describe('the write-order witness of sequential consistency (src/checker/sequentialWitness.ts)', () => {
  it('never proves a partition the search refutes, and decides most of those the search proves', () => {
    let proved = 0;
    let sequential = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }), (seed, count, clients, mutations) => {
        const operations = history(seed, count, clients, mutations);
        const searched = checkSequentialConsistency(model, operations, { now, witness: false }).verdict;
        const checked = operations.map((operation) => ({ ...operation, id: operation.id }));
        const witnesses = splitIntoPartitions(model, checked).map((partition) => sequentialWitness(model, partition.operations));
        if (witnesses.every((witness) => witness !== null)) {
          proved++;
          expect(searched).toBe('sequential');
        }
        if (searched === 'sequential') sequential++;
        expect(checkSequentialConsistency(model, operations, { now }).verdict).toBe(searched);
      }),
      { numRuns: 400 },
    );
    expect(proved).toBeGreaterThan(sequential * 0.5);
  });

  it('decides a ZooKeeper-style session-read history with no search budget at all, where the search alone cannot', () => {
    // The guarantees table's zookeeper-reads healthy run: reads served by any replica once it has
    // applied the client's last-seen index, stale but in each client's order (765 operations on k2).
    const experiment = validateExperiment({ protocol: 'raft', nodes: 5, seed: 1, durationMs: 5000, consistency: { write: 'quorum', read: 'session' }, workload: { clients: 8, ratePerSec: 300, mix: { read: 0.6, write: 0.4, cas: 0 }, keys: 2, routing: 'random' } });
    const { operations } = runExperiment(experiment);
    expect(operations.length).toBeGreaterThan(1000);
    const noBudget = { now, timeoutMs: 0, stepsBetweenChecks: 1 };
    expect(checkSequentialConsistency(model, operations, noBudget).verdict).toBe('sequential');
    expect(checkSequentialConsistency(model, operations, { ...noBudget, witness: false }).verdict).toBe('unknown');
  });

  // The witness once copied its write order with a spread (splice(0, n, ...order)), which throws
  // "Maximum call stack size exceeded" from about 200,000 arguments: a key with that many writes
  // crashed the whole check instead of being decided.
  it('decides a key with 300,000 writes and reads (no argument-count limit on the write order)', () => {
    const operations: Operation[] = [];
    for (let index = 0; index < 150_000; index++) {
      const value = `v${index}`;
      operations.push({ id: operations.length, clientId: index % 3, call: 4 * index, return: 4 * index + 1, input: { f: 'write', key: 'k', value }, output: { type: 'ok' } });
      operations.push({ id: operations.length, clientId: (index + 1) % 3, call: 4 * index + 2, return: 4 * index + 3, input: { f: 'read', key: 'k' }, output: { type: 'ok', value } });
    }
    expect(checkSequentialConsistency(model, operations, { now, timeoutMs: 0, stepsBetweenChecks: 1 }).verdict).toBe('sequential');
  });
});
