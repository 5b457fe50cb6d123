import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import { type ConsistencyPolicy, type ReadPath, type WriteAck, policyAp, policyCp } from '../../src/contract/engine';
import { labHost } from '../lab/labHost';
import { useClusterStore } from './cluster';

/** The CP/AP knobs are the engine's own (src/kv/command.ts), so the app and the replicas cannot drift apart. */
export type { ReadPath, WriteAck } from '../../src/contract/engine';
export type Policy = ConsistencyPolicy;
export { policyAp, policyCp };

/** What each knob corresponds to in databases people run (ARCHITECTURE §5). */
export const writeAckNotes: Record<WriteAck, string> = {
  quorum: 'after commit by a majority: MongoDB w:"majority", Cassandra QUORUM',
  leader: "after the leader's own append: MongoDB w:1",
  local: 'any replica acks at once and forwards later: Cassandra ONE, Dynamo-style',
};
export const readPathNotes: Record<ReadPath, string> = {
  linearizable: 'ReadIndex, confirmed by a quorum: etcd linearizable, Consul consistent',
  lease: "the leader's lease, trusting clocks: Consul default",
  leader: "the leader's local state (w:1 writes visible once acknowledged): MongoDB readConcern local on the primary",
  sync: 'sync with the leader, then read at the connected server: ZooKeeper sync() + read',
  session: "any replica once it has applied the client's last-seen position: ZooKeeper reads, MongoDB causal sessions",
  majority: "any replica's majority-committed state: MongoDB readConcern majority",
  local: "any replica's state: etcd serializable, Consul stale",
};

/** A policy from an experiment's `consistency` (cp, ap, or the two knobs). */
export function policyOf(consistency: unknown): Policy {
  if (consistency === 'ap') return policyAp;
  if (typeof consistency === 'object' && consistency !== null && 'write' in consistency && 'read' in consistency) return { write: consistency.write as WriteAck, read: consistency.read as ReadPath };
  return policyCp;
}

export function modeOf(policy: Policy): 'CP' | 'AP' | 'custom' {
  if (policy.write === policyCp.write && policy.read === policyCp.read) return 'CP';
  if (policy.write === policyAp.write && policy.read === policyAp.read) return 'AP';
  return 'custom';
}

/**
 * The CP/AP switch of the current run: the policy the lab last reported (the cluster store polls
 * it with the replicas), or the one just chosen while the lab is asked to take it.
 */
export const useConsistencyStore = defineStore('consistency', () => {
  const cluster = useClusterStore();
  const chosen = shallowRef<Policy | null>(null);
  const policy = computed<Policy>(() => chosen.value ?? policyOf(cluster.consistency));

  async function setPolicy(next: Policy): Promise<void> {
    chosen.value = next;
    try {
      await cluster.act(`switch to ${modeOf(next) === 'custom' ? `write ${next.write}, read ${next.read}` : modeOf(next)}`, (id) => labHost().lab.setConsistency({ runId: id, consistency: { write: next.write, read: next.read } }));
    } finally {
      chosen.value = null;
    }
  }

  return { policy, setPolicy };
});
