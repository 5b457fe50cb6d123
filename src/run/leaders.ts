import type { NodeId } from '../base/ids';
import type { NetworkModel } from '../network/network';
import type { ReplicaView } from '../protocol/replica';

/** What telling the leaders apart needs of a cluster, in either runtime. */
export interface LeaderView {
  readonly ids: readonly NodeId[];
  readonly network: NetworkModel;
  /** The replica's last known state; null when the node is down. */
  view(id: NodeId): ReplicaView | null;
  isPaused(id: NodeId): boolean;
}

/** True when the node is not disconnected and reaches a majority (itself included) both ways. */
export function reachesMajority(ids: readonly NodeId[], network: NetworkModel, id: NodeId): boolean {
  if (network.isNodeCut(id)) return false;
  const reachable = ids.filter((other) => other === id || (!network.isBlocked(id, other) && !network.isBlocked(other, id))).length;
  return reachable > ids.length / 2;
}

/**
 * Up, unpaused nodes that claim to lead (leader or primary) and reach a majority, highest term
 * first: the leader a fault aimed at `leader` hits, and the one a `isolate-leader` partition cuts off.
 */
export function leadersOf(cluster: LeaderView): NodeId[] {
  const term = (id: NodeId) => cluster.view(id)?.term ?? 0;
  return cluster.ids
    .filter((id) => {
      const view = cluster.view(id);
      return view !== null && !cluster.isPaused(id) && reachesMajority(cluster.ids, cluster.network, id) && (view.role === 'leader' || view.role === 'primary');
    })
    .sort((a, b) => term(b) - term(a));
}
