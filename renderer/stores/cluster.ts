import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LabRequest } from '../../src/contract/lab';
import { labHost, messageOf } from '../lab/labHost';
import { useRunStore } from './run';

/** How often the cluster's state is polled while a run goes: about five times a second. */
export const clusterPollIntervalMs = 200;

/** One replica as the lab reports it (runState). */
export interface NodeState {
  readonly id: string;
  readonly up: boolean;
  readonly paused: boolean;
  readonly driftPpm: number;
  /** The replica's own view; null while it is crashed. */
  readonly view: { readonly role: string; readonly term: number; readonly leader: string | null; readonly commitIndex: number; readonly lastIndex: number; readonly logEntryCount: number } | null;
}

export type WriteAck = 'quorum' | 'leader' | 'local';
export type ReadPath = 'linearizable' | 'lease' | 'leader' | 'local';
export interface Policy {
  readonly write: WriteAck;
  readonly read: ReadPath;
}

export const policyCp: Policy = { write: 'quorum', read: 'linearizable' };
export const policyAp: Policy = { write: 'local', read: 'local' };

/** What each knob corresponds to in databases people run (DESIGN §5). */
export const writeAckNotes: Record<WriteAck, string> = {
  quorum: 'after commit by a majority: MongoDB w:"majority", Cassandra QUORUM',
  leader: "after the leader's own append: MongoDB w:1",
  local: 'any replica acks at once and forwards later: Cassandra ONE, Dynamo-style',
};
export const readPathNotes: Record<ReadPath, string> = {
  linearizable: 'ReadIndex, confirmed by a quorum: etcd linearizable, Consul consistent',
  lease: "the leader's lease, trusting clocks: Consul default",
  leader: "the leader's local state: etcd serializable on the leader",
  local: "any replica's state: etcd serializable, Consul stale",
};

export type PartitionPreset = Extract<LabRequest<'partition'>['spec'], string>;
export const partitionPresets: ReadonlyArray<{ readonly spec: PartitionPreset; readonly label: string }> = [
  { spec: 'majority-minority', label: 'Majority / minority' },
  { spec: 'isolate-leader', label: 'Isolate the leader' },
  { spec: 'bridge', label: 'Bridge (non-transitive)' },
  { spec: 'one-way', label: 'One-way (asymmetric)' },
  { spec: 'ring', label: 'Ring' },
];

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

export interface NetworkSettings {
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
}

const isNodeState = (value: unknown): value is NodeState => typeof value === 'object' && value !== null && typeof (value as NodeState).id === 'string';

/** The cluster of the current run: replicas' state (polled), node actions, partitions, the network, the CP/AP switch. */
export const useClusterStore = defineStore('cluster', () => {
  const nodes = shallowRef<readonly NodeState[]>([]);
  const policy = shallowRef<Policy>(policyCp);
  const network = shallowRef<NetworkSettings>({ drop: 0, duplicate: 0, reorder: 0 });
  const partition = ref<string | null>(null);
  const error = ref<string | null>(null);
  let stopPolling: (() => void) | null = null;

  function runId(): string | null {
    const run = useRunStore();
    return run.isActive ? run.runId : null;
  }

  /** Asks the lab for the run's state once. */
  async function refresh(): Promise<void> {
    const run = useRunStore();
    const id = run.runId;
    if (id === null) return;
    try {
      const state = await labHost().lab.runState({ runId: id });
      if (run.runId !== id) return;
      nodes.value = state.nodes.filter(isNodeState);
      policy.value = policyOf(state.consistency);
      run.observeState({ nowMs: state.nowMs, done: state.done, paused: state.paused, summary: state.summary });
    } catch (failure) {
      error.value = `Could not read the cluster's state: ${messageOf(failure)}`;
    }
  }

  function startPolling(): void {
    stopPolling?.();
    stopPolling = labHost().every(clusterPollIntervalMs, () => void refresh());
  }

  function stopPollingNow(): void {
    stopPolling?.();
    stopPolling = null;
  }

  /** A new run starts from its experiment's settings. */
  function reset(consistency: unknown): void {
    nodes.value = [];
    policy.value = policyOf(consistency);
    network.value = { drop: 0, duplicate: 0, reorder: 0 };
    partition.value = null;
    error.value = null;
  }

  async function act<T>(what: string, action: (id: string) => Promise<T>): Promise<T | null> {
    const id = runId();
    if (id === null) {
      error.value = `Start a run first to ${what}`;
      return null;
    }
    error.value = null;
    try {
      const result = await action(id);
      await refresh();
      return result;
    } catch (failure) {
      error.value = `Could not ${what}: ${messageOf(failure)}`;
      return null;
    }
  }

  /** Crash, restart, pause or resume one replica. */
  function nodeAction(node: string, action: 'crash' | 'restart' | 'pause' | 'resume'): Promise<unknown> {
    return act(`${action} ${node}`, (id) => labHost().lab.nodeAction({ runId: id, node: node as 'n1', action }));
  }

  /** What a click on a node does: crash a running one, restart a crashed one, resume a paused one. */
  function toggleNode(node: NodeState): Promise<unknown> {
    return nodeAction(node.id, !node.up ? 'restart' : node.paused ? 'resume' : 'crash');
  }

  async function partitionWith(spec: LabRequest<'partition'>['spec']): Promise<void> {
    const result = await act('partition the network', (id) => labHost().lab.partition({ runId: id, spec }));
    if (result !== null) partition.value = result.description;
  }

  async function heal(): Promise<void> {
    if ((await act('heal the network', (id) => labHost().lab.heal({ runId: id }))) !== null) {
      partition.value = null;
      network.value = { drop: 0, duplicate: 0, reorder: 0 };
    }
  }

  async function setNetwork(change: Partial<NetworkSettings>): Promise<void> {
    const next = { ...network.value, ...change };
    if ((await act('change the network', (id) => labHost().lab.setNetwork({ runId: id, change }))) !== null) network.value = next;
  }

  async function setPolicy(next: Policy): Promise<void> {
    const before = policy.value;
    policy.value = next;
    const result = await act('switch consistency', (id) => labHost().lab.setConsistency({ runId: id, consistency: { write: next.write, read: next.read } }));
    if (result === null) policy.value = before;
  }

  return { nodes, policy, network, partition, error, refresh, startPolling, stopPolling: stopPollingNow, reset, nodeAction, toggleNode, partitionWith, heal, setNetwork, setPolicy };
});
