import { describe, expect, it } from 'vitest';
import { ViolationOracle } from '../../src/checker/oracle';
import { runExperiment } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import type { Operation, OperationInput, OperationOutput } from '../../src/history/operation';

/** Builds a history and feeds the oracle the truth order as the log would. */
function scenario(steps: Array<{ client: number; call: number; ret: number | null; input: OperationInput; output: OperationOutput }>, appliedOrder: number[]) {
  const oracle = new ViolationOracle();
  const operations: Operation[] = steps.map((step, id) => ({ id, clientId: step.client, call: step.call, return: step.ret, input: step.input, output: step.output }));
  operations.forEach((operation) => oracle.invoked(operation, operation.id + 1));
  for (const id of appliedOrder) {
    const operation = operations[id] as Operation;
    oracle.applied(`c${operation.clientId}#${id + 1}:${operation.input.f}:${operation.input.key}`);
  }
  return oracle.violations(operations);
}

const write = (value: string) => ({ f: 'write' as const, key: 'k', value });
const read = { f: 'read' as const, key: 'k' };
const ok = { type: 'ok' as const };
const readOk = (value: string | null) => ({ type: 'ok' as const, value });

describe('violation oracle on hand-built histories', () => {
  it('counts a stale read: W2 completed before the read began, the read saw W1', () => {
    const found = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 20, ret: 30, input: write('b'), output: ok },
        { client: 3, call: 40, ret: 50, input: read, output: readOk('a') },
      ],
      [0, 1],
    );
    expect(found.map((v) => v.kind)).toEqual(['staleRead']);
    expect(found[0]?.operations).toEqual([2, 1, 0]);
  });

  it('does not count a read concurrent with the newer write', () => {
    const found = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 20, ret: 60, input: write('b'), output: ok },
        { client: 3, call: 40, ret: 50, input: read, output: readOk('a') },
      ],
      [0, 1],
    );
    expect(found).toEqual([]);
  });

  it('does not count reading an indeterminate write that took effect', () => {
    const found = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 20, ret: null, input: write('b'), output: { type: 'info' } },
        { client: 3, call: 40, ret: 50, input: read, output: readOk('b') },
      ],
      [0, 1],
    );
    expect(found).toEqual([]);
  });

  it('counts a lost write: acknowledged, never applied', () => {
    const found = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 20, ret: 30, input: write('b'), output: ok },
      ],
      [0],
    );
    expect(found.map((v) => [v.kind, v.operations])).toEqual([['lostWrite', [1]]]);
  });

  it('does not count an indeterminate write that never took effect', () => {
    const found = scenario([{ client: 1, call: 0, ret: null, input: write('a'), output: { type: 'info' } }], []);
    expect(found).toEqual([]);
  });

  it('counts an acknowledged cas whose comparison fails in the log as lost', () => {
    const found = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 5, ret: 12, input: write('b'), output: ok },
        { client: 3, call: 20, ret: 30, input: { f: 'cas', key: 'k', from: 'a', to: 'c' }, output: ok },
      ],
      [0, 1, 2], // the cas reaches the log after b: its comparison fails there
    );
    expect(found.map((v) => v.kind)).toEqual(['lostWrite']);
  });

  it('counts monotonic-read and read-your-writes breaks per client', () => {
    const found = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 1, call: 20, ret: 30, input: write('b'), output: ok },
        { client: 2, call: 25, ret: 40, input: read, output: readOk('b') },
        { client: 2, call: 45, ret: 50, input: read, output: readOk('a') },
        { client: 1, call: 45, ret: 55, input: read, output: readOk('a') },
      ],
      [0, 1],
    );
    const kinds = found.map((v) => v.kind).sort();
    expect(kinds).toEqual(['monotonicRead', 'readYourWrites', 'staleRead', 'staleRead']);
  });

  it('does not count a duplicate application twice', () => {
    const found = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 3, call: 20, ret: 30, input: read, output: readOk('a') },
      ],
      [0, 0],
    );
    expect(found).toEqual([]);
  });
});

describe('violation oracle in real runs', () => {
  it('finds stale reads or lost writes when reads and writes are served by the leader alone under faults', () => {
    let anomalies = 0;
    let nonLinearizableRuns = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const experiment = validateExperiment({
        protocol: 'raft',
        seed,
        durationMs: 6000,
        consistency: { write: 'leader', read: 'leader' },
        workload: { clients: 8, ratePerSec: 300, keys: 2 },
        nemesis: { kinds: ['partition', 'crash'], intervalMs: [300, 800], untilMs: 4500 },
      });
      const { summary } = runExperiment(experiment);
      const v = summary.violations;
      anomalies += v.staleRead + v.lostWrite;
      if (v.staleRead + v.lostWrite > 0) nonLinearizableRuns++;
    }
    expect(anomalies).toBeGreaterThan(0);
    expect(nonLinearizableRuns).toBeGreaterThan(0);
  });
});
