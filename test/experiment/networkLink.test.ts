import { describe, expect, it } from 'vitest';
import { problems } from './problems';
import { parseExperiment } from '../../main/experimentFile';
import { linkDirections, linkName, networkChangeDetail } from '../../src/experiment/faults';

/** A 3-node Raft experiment with one scheduled network fault. */
function withNetworkFault(network: string): string {
  return `protocol: raft\nnodes: 3\ndurationMs: 5000\nfaults:\n  - { atMs: 1000, network: ${network} }\n`;
}

describe('a network fault limited to one link (ARCHITECTURE §4, §7)', () => {
  it('accepts one direction { from, to } and both directions { between: [a, b] }', () => {
    const oneWay = parseExperiment(withNetworkFault('{ drop: 0.3, link: { from: n1, to: n2 } }'), 'x.yaml');
    expect(oneWay.faults[0]).toEqual({ atMs: 1000, network: { drop: 0.3, link: { from: 'n1', to: 'n2' } } });
    const bothWays = parseExperiment(withNetworkFault('{ latencyMs: { distribution: fixed, value: 80 }, link: { between: [n3, n1] } }'), 'x.yaml');
    expect(bothWays.faults[0]).toEqual({ atMs: 1000, network: { latencyMs: { distribution: 'fixed', value: 80 }, link: { between: ['n3', 'n1'] } } });
  });

  it('without a link it changes every link, as before', () => {
    expect(parseExperiment(withNetworkFault('{ drop: 0.2 }'), 'x.yaml').faults[0]).toEqual({ atMs: 1000, network: { drop: 0.2 } });
  });

  const refused: Array<[string, string, string]> = [
    ['a link from a node to itself', '{ drop: 1, link: { from: n2, to: n2 } }', 'faults[0].network.link.to: must differ from from (a link joins two replicas), got n2 twice'],
    ['both ways between a node and itself', '{ drop: 1, link: { between: [n1, n1] } }', 'faults[0].network.link.between: needs two different nodes (a link joins two replicas), got n1 twice'],
    ['a node outside the cluster', '{ drop: 1, link: { from: n1, to: n5 } }', 'faults[0].network.link: names n5, but the cluster has nodes n1..n3'],
    ['a node outside the cluster, both ways', '{ drop: 1, link: { between: [n4, n2] } }', 'faults[0].network.link: names n4, but the cluster has nodes n1..n3'],
    ['not a node id', '{ drop: 1, link: { from: n1, to: leader } }', 'faults[0].network.link.to: must be a node id n1..n9'],
    ['a typo in the link', '{ drop: 1, link: { form: n1, to: n2 } }', 'faults[0].network.link: unknown field "form"'],
    ['an unknown field beside the link', '{ drop: 1, lnk: { from: n1, to: n2 } }', 'faults[0].network: unknown field "lnk"'],
    ['only one end', '{ drop: 1, link: { from: n1 } }', 'faults[0].network.link.to: is missing: must be { from, to } (one direction) or { between: [a, b] } (both directions)'],
    ['both forms at once', '{ drop: 1, link: { from: n1, to: n2, between: [n1, n2] } }', 'faults[0].network.link: must be { from, to } (one direction) or { between: [a, b] } (both directions)'],
    ['three nodes between', '{ drop: 1, link: { between: [n1, n2, n3] } }', 'faults[0].network.link.between: needs exactly two nodes, got 3'],
    ['a link that is not a mapping', '{ drop: 1, link: n1 }', 'faults[0].network.link: Invalid input: expected object, received string'],
    ['a link and nothing to change', '{ link: { from: n1, to: n2 } }', 'faults[0].network.link: names a link but changes nothing: set latencyMs, drop, duplicate or reorder'],
    ['a percent on a link', '{ drop: 30, link: { from: n1, to: n2 } }', 'faults[0].network.drop: must be ≤ 1 (a probability, not a percent)'],
  ];
  for (const [what, network, expected] of refused) {
    it(`refuses ${what}: "${expected}"`, () => {
      expect(problems(withNetworkFault(network))).toContain(expected);
    });
  }

  it('still names no field for a fault with two actions', () => {
    expect(problems('protocol: raft\nfaults: [{ atMs: 10, network: { drop: 0.1 }, heal: true }]')).toEqual(['faults[0]: must be { atMs, <one of partition | crash | restart | pause | resume | clock | network | consistency | heal> }']);
  });
});

describe('how a link change is named', () => {
  it('lists its directions, and names it in the trace detail', () => {
    expect(linkDirections({ from: 'n1', to: 'n2' })).toEqual([['n1', 'n2']]);
    expect(linkDirections({ between: ['n1', 'n3'] })).toEqual([
      ['n1', 'n3'],
      ['n3', 'n1'],
    ]);
    expect(linkName({ between: ['n1', 'n3'] })).toBe('n1↔n3');
    expect(networkChangeDetail({ drop: 1, link: { from: 'n1', to: 'n2' } })).toBe('n1→n2 {"drop":1}');
  });

  it('a change of every link reads exactly as it always has (existing traces keep their digests)', () => {
    const change = { reorder: 0.1, drop: 0.2 };
    expect(networkChangeDetail(change)).toBe(JSON.stringify(change));
  });
});
