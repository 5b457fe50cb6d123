import { describe, expect, it } from 'vitest';
import { checkLabHistory } from '../../src/checker/labHistory';
import type { Violation } from '../../src/checker/oracle';
import { checkHistoryText } from '../../src/checker/report';
import { type RunResult, RunController } from '../../src/experiment/run';
import { type ExperimentInput, validateExperiment } from '../../src/experiment/schema';
import { writeCaplabHistory } from '../../src/history/formats';
import { historyDocument } from '../../main/runFiles';

/**
 * Issue 5: the majority/minority partition in CP and in AP, for Raft and VR. The partition cuts
 * the leader/primary off with a minority (ARCHITECTURE §7 `majority-minority`) from 1.5 s to 4 s; the
 * old leader's clock runs 3 s ahead, so its local writes carry later timestamps than the
 * majority's writes made after them in real time. Clients stick to their home node and never
 * use cas, so in AP every operation can be answered.
 */
const partitionUs = 1_500_000;
const healUs = 4_000_000;

function experiment(protocol: 'raft' | 'vr', consistency: 'cp' | 'ap', faults: ExperimentInput['faults'] = []): ExperimentInput {
  return {
    name: `${protocol}-partition-${consistency}`,
    protocol,
    nodes: 5,
    seed: 3,
    durationMs: 5500,
    consistency,
    workload: { clients: 10, ratePerSec: 200, routing: 'sticky', keys: 3, mix: { read: 0.5, write: 0.5, cas: 0 }, timeoutMs: 300 },
    faults: [
      { atMs: 1000, clock: { node: 'leader', offsetMs: 3000 } },
      { atMs: partitionUs / 1000, partition: 'majority-minority' },
      ...faults,
      { atMs: healUs / 1000, heal: true },
    ],
  };
}

const linearizability = (operations: Parameters<typeof checkLabHistory>[0]) => checkLabHistory(operations, { now: () => performance.now(), timeoutMsPerKey: 10_000 });

function run(input: ExperimentInput): { controller: RunController; result: RunResult } {
  const controller = new RunController(validateExperiment(input), { linearizability });
  return { controller, result: controller.runToEnd() };
}

function checkExported(result: RunResult) {
  const text = writeCaplabHistory(historyDocument(result));
  return checkHistoryText({ file: 'history.json', text, format: 'auto' }, { now: () => performance.now() });
}

describe.each(['raft', 'vr'] as const)('%s: majority/minority partition, CP against AP', (protocol) => {
  const cp = run(experiment(protocol, 'cp'));
  const ap = run(experiment(protocol, 'ap'));

  it('CP: no violation of any kind, no invariant broken, and the minority costs availability', () => {
    const summary = cp.result.summary;
    expect(summary.invariantsBroken).toEqual([]);
    expect(summary.violations).toEqual({ linearizability: 0, staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0, divergence: 0 });
    expect(summary.ops.fail + summary.ops.info).toBeGreaterThan(0);
    expect(summary.availability).toBeLessThan(0.99);
  });

  it('AP: availability close to 1, stale reads and lost writes counted, replicas converge after the heal', () => {
    const summary = ap.result.summary;
    expect(summary.invariantsBroken).toEqual([]);
    expect(summary.availability).toBeGreaterThan(0.995);
    expect(summary.availability).toBeGreaterThan(cp.result.summary.availability ?? 1);
    expect(summary.violations.staleRead).toBeGreaterThan(0);
    expect(summary.violations.lostWrite).toBeGreaterThan(0);
    expect(summary.violations.linearizability).toBeGreaterThan(0);
    expect(summary.violations.divergence).toBe(0);
    expect(ap.result.divergentKeys).toEqual([]);
    // Converged: every replica holds the oracle's truth value for every key.
    for (const id of ap.controller.cluster.ids) {
      const values = ap.controller.cluster.replica(id)?.keyValues();
      expect(values).toBeDefined();
      for (const [key, value] of values ?? []) expect(value).toBe(ap.controller.core.oracle.truthValue(key));
    }
  });

  it('AP: some lost writes reached the log and lost last-writer-wins to a newer stamp', () => {
    const beaten = ap.result.violations.filter((violation) => violation.kind === 'lostWrite' && violation.explanation.includes('lost last-writer-wins'));
    expect(beaten.length).toBeGreaterThan(0);
    for (const violation of beaten) expect(ap.controller.core.oracle.tookEffect(violation.operations[0] as number)).toBe(false);
  });

  it('the exported history.json of the CP run is linearizable for the lab\'s checker', () => {
    const report = checkExported(cp.result);
    expect(report.kind).toBe('checked');
    if (report.kind === 'checked') expect(report.verdict).toBe('linearizable');
  });

  it('the AP run\'s history.json is rejected, and the counterexample names operations the oracle counted', () => {
    const report = checkExported(ap.result);
    expect(report.kind).toBe('checked');
    if (report.kind !== 'checked') return;
    expect(report.verdict).toBe('not-linearizable');
    const counterexample = report.counterexample;
    expect(counterexample).toBeDefined();
    if (counterexample === undefined) return;
    // Map the checker's operations back to the run's by client and invocation time.
    const byCall = new Map(ap.result.operations.map((operation) => [`${operation.clientId}@${operation.call}`, operation.id]));
    const named = [...counterexample.linearized, ...(counterexample.blocked === null ? [] : [counterexample.blocked])]
      .map((operation) => byCall.get(`${operation.clientId}@${operation.call}`))
      .filter((id) => id !== undefined);
    expect(named.length).toBeGreaterThan(0);
    const counted = new Set(ap.result.violations.filter((violation: Violation) => violation.key === counterexample.partition).flatMap((violation) => violation.operations));
    expect(named.some((id) => counted.has(id))).toBe(true);
  });
});

describe.each(['raft', 'vr'] as const)('%s: switching CP → AP in the middle of the partition', (protocol) => {
  const switchUs = 2_500_000;
  const { controller, result } = run(experiment(protocol, 'cp', [{ atMs: switchUs / 1000, consistency: 'ap' }]));
  const operations = result.operations;

  it('the switch is a trace-visible change: operations started before it carry CP, after it AP', () => {
    expect(result.summary.invariantsBroken).toEqual([]);
    for (const operation of operations) {
      const expected = operation.call < switchUs ? { write: 'quorum', read: 'linearizable' } : { write: 'local', read: 'local' };
      expect(operation.policy).toEqual(expected);
    }
    expect(controller.core.consistency).toEqual({ write: 'local', read: 'local' });
  });

  it('before the switch the cut-off leader leaves clients unanswered; after it every operation is answered at once', () => {
    const during = (from: number, to: number) => operations.filter((operation) => operation.call >= from && operation.call < to);
    const beforeSwitch = during(partitionUs, switchUs);
    const afterSwitch = during(switchUs, healUs);
    expect(beforeSwitch.some((operation) => operation.output.type !== 'ok')).toBe(true);
    expect(afterSwitch.length).toBeGreaterThan(50);
    expect(afterSwitch.every((operation) => operation.output.type === 'ok')).toBe(true);
  });

  it('operations in flight at the switch keep CP: none of their acknowledged writes is ever lost', () => {
    const inFlight = operations.filter((operation) => operation.call < switchUs && (operation.return === null || operation.return > switchUs));
    expect(inFlight.length).toBeGreaterThan(0);
    const lost = new Set(result.violations.filter((violation) => violation.kind === 'lostWrite').flatMap((violation) => violation.operations));
    for (const operation of operations) {
      if (operation.policy.write !== 'quorum' || operation.input.f === 'read' || operation.output.type !== 'ok') continue;
      expect(controller.core.oracle.tookEffect(operation.id)).toBe(true);
      expect(lost.has(operation.id)).toBe(false);
    }
    expect(result.summary.violations.divergence).toBe(0);
  });
});

describe.each(['raft', 'vr'] as const)('%s: AP under a random nemesis with tiny snapshots converges once healed', (protocol) => {
  it.each([1, 2, 3])('seed %i: no invariant broken, every replica holds the truth order\'s value of every key', (seed) => {
    const input: ExperimentInput = {
      name: `${protocol}-ap-nemesis`,
      protocol,
      nodes: 5,
      seed,
      durationMs: 4000,
      consistency: 'ap',
      protocolSettings: protocol === 'raft' ? { snapshotEveryEntries: 20 } : { checkpointEveryOps: 20 },
      workload: { clients: 6, ratePerSec: 150, keys: 3 },
      nemesis: { kinds: ['partition', 'crash', 'clock', 'drop'], intervalMs: [200, 800], untilMs: 2500 },
    };
    const controller = new RunController(validateExperiment(input));
    const result = controller.runToEnd();
    expect(result.summary.invariantsBroken).toEqual([]);
    expect(result.summary.violations.divergence).toBe(0);
    expect(result.summary.ops.ok).toBeGreaterThan(200);
    for (const id of controller.cluster.ids) {
      const values = controller.cluster.replica(id)?.keyValues();
      if (values === undefined) continue; // crashed at the end (the nemesis restarts everyone after untilMs)
      for (const [key, value] of values) expect(value).toBe(controller.core.oracle.truthValue(key));
    }
  });
});
