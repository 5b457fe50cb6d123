import { assert, assertNever } from '../base/assert';
import type { NodeId } from '../base/ids';

/** The partition shapes of ARCHITECTURE §4; explicit groups list every node once. */
export type PartitionSpec =
  | 'majority-minority'
  | 'isolate-leader'
  | 'bridge'
  | 'one-way'
  | 'ring'
  | ReadonlyArray<readonly NodeId[]>;

export type DirectedLink = readonly [NodeId, NodeId];

/** Every link between nodes in different groups, both ways. */
function cutBetweenGroups(groups: ReadonlyArray<readonly NodeId[]>): DirectedLink[] {
  const groupOf = new Map<NodeId, number>();
  groups.forEach((group, index) => group.forEach((node) => groupOf.set(node, index)));
  const nodes = [...groupOf.keys()];
  const cut: DirectedLink[] = [];
  for (const from of nodes) for (const to of nodes) if (groupOf.get(from) !== groupOf.get(to)) cut.push([from, to]);
  return cut;
}

/**
 * The nodes in an order that puts `first` (the leader, when known) at the front, so that the
 * shapes below put the leader where it matters: in the minority, isolated, or cut one way.
 */
function leaderFirst(nodes: readonly NodeId[], leader: NodeId | null): NodeId[] {
  if (leader === null || !nodes.includes(leader)) return [...nodes];
  return [leader, ...nodes.filter((node) => node !== leader)];
}

/** What a partition shape cuts, as directed links, and a description of its groups. */
export function partitionLinks(spec: PartitionSpec, nodes: readonly NodeId[], leader: NodeId | null): { cut: DirectedLink[]; description: string } {
  assert(nodes.length >= 1, 'partition of an empty cluster');
  if (typeof spec !== 'string') {
    const listed = spec.flat();
    assert(new Set(listed).size === listed.length, 'partition groups must not share a node');
    // Nodes left out of every group form one more group of their own.
    const rest = nodes.filter((node) => !listed.includes(node));
    const groups = rest.length > 0 ? [...spec, rest] : spec;
    return { cut: cutBetweenGroups(groups), description: groups.map((group) => `{${group.join(',')}}`).join(' | ') };
  }
  const ordered = leaderFirst(nodes, leader);
  switch (spec) {
    case 'majority-minority': {
      const minoritySize = Math.floor((nodes.length - 1) / 2);
      const minority = ordered.slice(0, Math.max(minoritySize, 1));
      const majority = ordered.slice(minority.length);
      return partitionLinks([minority, majority], nodes, leader);
    }
    case 'isolate-leader':
      return partitionLinks([[ordered[0] as NodeId], ordered.slice(1)], nodes, leader);
    case 'bridge': {
      // Two halves that share one node: non-transitive connectivity (Jepsen's bridge). The leader
      // sits in one half and a follower is the bridge, so the leader keeps a majority only through it
      // while the far half hears nobody who leads.
      const [first, ...others] = ordered;
      if (others.length < 2) return partitionLinks([[first as NodeId], others], nodes, leader);
      const bridgeNode = others[0] as NodeId;
      const rest = [first as NodeId, ...others.slice(1)];
      const half = Math.ceil(rest.length / 2);
      const left = rest.slice(0, half);
      const right = rest.slice(half);
      const cut: DirectedLink[] = [];
      for (const a of left) for (const b of right) cut.push([a, b], [b, a]);
      return { cut, description: `bridge ${bridgeNode}: {${[...left, bridgeNode].join(',')}} ∩ {${[bridgeNode, ...right].join(',')}}` };
    }
    case 'one-way': {
      // The leader still hears everyone, but nothing it sends arrives.
      const source = ordered[0] as NodeId;
      return { cut: ordered.slice(1).map((to) => [source, to] as const), description: `one-way: ${source} → others cut` };
    }
    case 'ring': {
      // Each node reaches only its two neighbours on a ring.
      const cut: DirectedLink[] = [];
      const count = nodes.length;
      nodes.forEach((from, i) =>
        nodes.forEach((to, j) => {
          const distance = Math.min((i - j + count) % count, (j - i + count) % count);
          if (distance > 1) cut.push([from, to]);
        }),
      );
      return { cut, description: `ring ${nodes.join('-')}-${nodes[0]}` };
    }
    default:
      return assertNever(spec, 'partition shape');
  }
}
