import { describe, expect, it } from 'vitest';
import { problems } from './problems';
import { parseExperiment } from '../../main/experimentFile';

describe('experiment schema: broken files get messages that name the field', () => {
  const cases: Array<[string, string, string]> = [
    ['missing protocol', 'nodes: 3', 'protocol: Invalid option: expected one of "raft"|"vr"'],
    ['unknown protocol', 'protocol: zab', 'protocol: Invalid option: expected one of "raft"|"vr"|"paxos"'],
    ['Paxos quorums that need not meet', 'protocol: paxos\nprotocolSettings: { phase1Quorum: 2, phase2Quorum: 3 }', 'protocolSettings.phase2Quorum: phase-1 and phase-2 quorums must intersect: 2 + 3 ≤ 5 nodes (Flexible Paxos needs |Q1| + |Q2| > N; the unsafe switch nonIntersectingQuorums allows it on purpose)'],
    ['a Paxos quorum larger than the cluster', 'protocol: paxos\nnodes: 3\nprotocolSettings: { phase1Quorum: 4 }', 'protocolSettings.phase1Quorum: must lie in 1..3 (the cluster has 3 nodes), got 4'],
    ['a VR setting on Paxos', 'protocol: paxos\nprotocolSettings: { viewChangeTimeoutMs: [150, 300] }', 'protocolSettings.viewChangeTimeoutMs: is not a paxos setting'],
    ['a Paxos lease as long as the election timeout', 'protocol: paxos\nprotocolSettings: { leaseMs: 150 }', "protocolSettings.leaseMs: leaseMs 150 must be shorter than the election timeout's minimum 150 ms"],
    ['a typo in a field name', 'protocol: raft\nnodse: 3', '(top level): unknown field "nodse"'],
    ['too many nodes', 'protocol: raft\nnodes: 12', 'nodes: Too big: expected number to be <=9'],
    ['a percent instead of a probability', 'protocol: raft\nnetwork: { drop: 20 }', 'network.drop: must be ≤ 1 (a probability, not a percent)'],
    ['a mix that does not add up', 'protocol: raft\nworkload: { mix: { read: 0.5, write: 0.4, cas: 0.2 } }', 'workload.mix: read + write + cas must add up to 1, got 1.1'],
    ['a fault with two actions', 'protocol: raft\nfaults: [{ atMs: 10, crash: n1, restart: n1 }]', 'faults[0]: must be { atMs, <one of partition | crash | restart | pause | resume | clock | network | consistency | heal> }'],
    ['a fault after the end', 'protocol: raft\ndurationMs: 1000\nfaults: [{ atMs: 5000, heal: true }]', 'faults[0].atMs: is after the end of the run (durationMs 1000)'],
    ['a node outside the cluster', 'protocol: raft\nnodes: 3\nfaults: [{ atMs: 10, crash: n5 }]', 'faults[0]: names n5, but the cluster has nodes n1..n3'],
    ['a VR setting on Raft', 'protocol: raft\nprotocolSettings: { viewChangeTimeoutMs: [100, 200] }', 'protocolSettings.viewChangeTimeoutMs: is not a raft setting'],
    ['an inverted timeout range', 'protocol: raft\nprotocolSettings: { electionTimeoutMs: [300, 150] }', 'protocolSettings.electionTimeoutMs: needs [min, max] with min ≤ max'],
    ['a bad expectation', 'protocol: raft\nexpect: ["availability is high"]', 'expect[0]: must read "<metric> <op> <number>", e.g. "violations.linearizability == 0"'],
    ['an unknown unsafe switch', 'protocol: raft\nunsafe: [yolo]', 'unsafe[0]: Invalid option: expected one of "commitPriorTermByCount"|"voteWithoutLogCheck"|"replyBeforePersist"|"leaseWithoutClockBound"|"startViewWithOwnLog"'],
    ['a bad latency', 'protocol: raft\nnetwork: { latencyMs: { distribution: lognormal, median: 10, p99: 5 } }', 'network.latencyMs: needs 0 < median ≤ p99'],
    ['not YAML at all', 'protocol: [raft', 'not valid YAML or JSON at line 1'],
    ['a list instead of a mapping', '- protocol: raft', '(top level): must be a mapping of fields, such as "protocol: raft"'],
  ];
  for (const [what, text, expected] of cases) {
    it(`${what}: "${expected}"`, () => {
      const found = problems(text);
      expect(found.length).toBeGreaterThan(0);
      expect(found.some((problem) => problem.startsWith(expected))).toBe(true);
    });
  }

  it('accepts a minimal file and fills every default', () => {
    const experiment = parseExperiment('protocol: vr', 'minimal.yaml');
    expect(experiment).toMatchObject({ protocol: 'vr', nodes: 5, seed: 1, consistency: 'cp', runtime: 'sim', workload: { clients: 8 } });
  });

  it('reads JSON as well as YAML', () => {
    expect(parseExperiment('{"protocol": "raft", "nodes": 3}', 'x.json').nodes).toBe(3);
  });
});

describe('expectations', () => {
  it('read numbers, list lengths and booleans (as 1 or 0) from the summary; a missing metric never holds', async () => {
    const { evaluateExpectation } = await import('../../src/experiment/expect');
    const summary = { availability: 0.93, invariantsBroken: ['x'], faultModelExceeded: true, violations: { staleRead: 0 } };
    expect(evaluateExpectation('availability < 0.95', summary)).toEqual({ expr: 'availability < 0.95', holds: true, actual: 0.93 });
    expect(evaluateExpectation('invariantsBroken == 1', summary).holds).toBe(true);
    expect(evaluateExpectation('faultModelExceeded == 1', summary).holds).toBe(true);
    expect(evaluateExpectation('violations.staleRead > 0', summary).holds).toBe(false);
    expect(evaluateExpectation('violations.nothing == 0', summary)).toMatchObject({ holds: false, actual: null });
  });
});
