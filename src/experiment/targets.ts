import type { NodeId } from '../base/ids';
import type { Prng } from '../base/prng';

/** What the fault code needs to know about the cluster to resolve a target. */
export interface TargetView {
  readonly ids: readonly NodeId[];
  leaders(): NodeId[];
  isUp(id: NodeId): boolean;
}

/**
 * Resolves a fault target (ARCHITECTURE §7) to nodes: a node id, `leader`/`primary` (the node that
 * leads now, none if nobody does), `random`, `minority`, `majority` or `all`. `up` restricts
 * the choice to running nodes (to crash or pause) or to crashed ones (to restart).
 */
export function resolveTarget(target: string, cluster: TargetView, prng: Prng, want: 'up' | 'down' | 'any'): NodeId[] {
  const eligible = cluster.ids.filter((id) => want === 'any' || (want === 'up') === cluster.isUp(id));
  const pickCount = (count: number): NodeId[] => {
    const pool = [...eligible];
    const chosen: NodeId[] = [];
    while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(prng.int(0, pool.length - 1), 1)[0] as NodeId);
    return chosen.sort();
  };
  const n = cluster.ids.length;
  switch (target) {
    case 'leader':
    case 'primary':
      return cluster.leaders().slice(0, 1).filter((id) => eligible.includes(id));
    case 'random':
      return pickCount(1);
    case 'minority':
      return pickCount(Math.floor((n - 1) / 2));
    case 'majority':
      return pickCount(Math.floor(n / 2) + 1);
    case 'all':
      return eligible;
    default:
      return eligible.includes(target as NodeId) ? [target as NodeId] : [];
  }
}
