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

/**
 * Last-writer-wins truth order (ARCHITECTURE §6, issue 5): stamped digests, as the protocols emit them
 * (`c<client>#<sequence>:<f>:<key>@<wallUs>.<logical>.<node>`), in log order.
 */
describe('violation oracle: truth order with last-writer-wins', () => {
  type Step = { client: number; call: number; ret: number | null; input: OperationInput; output: OperationOutput };
  function lwwScenario(steps: Step[], log: Array<{ id: number; wallUs?: number; node?: string }>) {
    const oracle = new ViolationOracle();
    const operations: Operation[] = steps.map((step, id) => ({ id, clientId: step.client, call: step.call, return: step.ret, input: step.input, output: step.output }));
    operations.forEach((operation) => oracle.invoked(operation, operation.id + 1));
    for (const { id, wallUs, node } of log) {
      const operation = operations[id] as Operation;
      const stamp = wallUs === undefined ? '' : `@${wallUs}.0.${node ?? 'n1'}`;
      oracle.applied(`c${operation.clientId}#${id + 1}:${operation.input.f}:${operation.input.key}${stamp}`);
    }
    return { oracle, found: oracle.violations(operations) };
  }
  const cas = (from: string | null, to: string) => ({ f: 'cas' as const, key: 'k', from, to });

  it('a write later in the log with an older stamp does not take effect: a lost write', () => {
    const { oracle, found } = lwwScenario(
      [
        { client: 1, call: 0, ret: 5, input: write('a'), output: ok }, // stamped 100 by a fast clock
        { client: 2, call: 10, ret: 15, input: write('b'), output: ok }, // later in real time, stamped 50
      ],
      [
        { id: 0, wallUs: 100 },
        { id: 1, wallUs: 50, node: 'n2' },
      ],
    );
    expect(oracle.truthValue('k')).toBe('a');
    expect(oracle.tookEffect(1)).toBe(false);
    expect(found.map((v) => [v.kind, v.operations])).toEqual([['lostWrite', [1]]]);
    expect(found[0]?.explanation).toMatch(/lost last-writer-wins/);
  });

  it('beaten by an earlier-in-real-time write with a later timestamp that reached the log after it', () => {
    // W0 (a minority replica, clock ahead) completes first; W1 commits first in the log; W0 arrives after the heal and wins;
    // W2, invoked after W0 completed but stamped below it, arrives last and loses.
    const { oracle, found } = lwwScenario(
      [
        { client: 1, call: 0, ret: 1, input: write('minority'), output: ok },
        { client: 2, call: 2, ret: 8, input: write('majority'), output: ok },
        { client: 3, call: 9, ret: 10, input: write('late'), output: ok },
      ],
      [
        { id: 1, wallUs: 2 },
        { id: 0, wallUs: 3000, node: 'n5' },
        { id: 2, wallUs: 9, node: 'n3' },
      ],
    );
    expect(oracle.truthValue('k')).toBe('minority');
    expect(oracle.tookEffect(1)).toBe(true); // took effect, then overwritten: not lost
    expect(found.filter((v) => v.kind === 'lostWrite').map((v) => v.operations)).toEqual([[2]]);
  });

  it('does NOT count writes that took effect and were overwritten by a newer stamp, nor reads of the newest value', () => {
    const { found } = lwwScenario(
      [
        { client: 1, call: 0, ret: 5, input: write('a'), output: ok },
        { client: 2, call: 1, ret: 6, input: write('b'), output: ok },
        { client: 3, call: 20, ret: 21, input: read, output: readOk('b') },
      ],
      [
        { id: 0, wallUs: 10 },
        { id: 1, wallUs: 20 },
      ],
    );
    expect(found).toEqual([]);
  });

  it('does NOT count an indeterminate write that lost last-writer-wins', () => {
    const { found } = lwwScenario(
      [
        { client: 1, call: 0, ret: 5, input: write('a'), output: ok },
        { client: 2, call: 1, ret: null, input: write('b'), output: { type: 'info' } },
      ],
      [
        { id: 0, wallUs: 10 },
        { id: 1, wallUs: 5 },
      ],
    );
    expect(found).toEqual([]);
  });

  it('stale reads follow the stamp order, not the log order', () => {
    // In the log: a (stamp 30), then b (stamp 20, loses). A read of a after b completed is NOT stale:
    // a is the newest value in the truth order; b never took effect (it is the lost write).
    const { found } = lwwScenario(
      [
        { client: 1, call: 0, ret: 1, input: write('a'), output: ok },
        { client: 2, call: 2, ret: 3, input: write('b'), output: ok },
        { client: 3, call: 10, ret: 11, input: read, output: readOk('a') },
      ],
      [
        { id: 0, wallUs: 30 },
        { id: 1, wallUs: 20, node: 'n2' },
      ],
    );
    expect(found.map((v) => v.kind)).toEqual(['lostWrite']);
  });

  it('a locally acknowledged cas whose comparison holds in the log but whose stamp is older is lost; one whose comparison fails is lost too', () => {
    const { oracle, found } = lwwScenario(
      [
        { client: 1, call: 0, ret: 1, input: write('a'), output: ok },
        { client: 2, call: 2, ret: 3, input: cas('a', 'x'), output: ok }, // stamp older than a's
        { client: 3, call: 4, ret: 5, input: cas('zz', 'y'), output: ok }, // decided against a stale local view
        { client: 4, call: 6, ret: 7, input: cas('a', 'z'), output: ok }, // holds and wins
      ],
      [
        { id: 0, wallUs: 50 },
        { id: 1, wallUs: 40, node: 'n2' },
        { id: 2, wallUs: 60, node: 'n3' },
        { id: 3, wallUs: 70, node: 'n4' },
      ],
    );
    expect(oracle.truthValue('k')).toBe('z');
    const lost = found.filter((v) => v.kind === 'lostWrite');
    expect(lost.map((v) => v.operations[0])).toEqual([1, 2]);
    expect(lost[0]?.explanation).toMatch(/lost last-writer-wins/);
    expect(lost[1]?.explanation).toMatch(/never took effect/);
  });

  it('unstamped digests keep plain log order (hand-built and older entries)', () => {
    const { oracle, found } = lwwScenario(
      [
        { client: 1, call: 0, ret: 1, input: write('a'), output: ok },
        { client: 2, call: 2, ret: 3, input: write('b'), output: ok },
      ],
      [{ id: 0, wallUs: 100 }, { id: 1 }],
    );
    expect(oracle.truthValue('k')).toBe('b');
    expect(found).toEqual([]);
  });
});
