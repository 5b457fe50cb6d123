import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { z } from 'zod';
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

/** One directed link between replicas as the lab reports it (runState `links`; DESIGN §4). */
export interface LinkState {
  readonly from: string;
  readonly to: string;
  /** Messages from → to are dropped by a partition or a disconnected node. */
  readonly cut: boolean;
  /** Probabilities, 0–1. */
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
  /** The link has a latency of its own, not the network's. */
  readonly latencyOverridden: boolean;
}

const probability = z.number().min(0).max(1);
const linkStateSchema = z.object({ from: z.string().min(1), to: z.string().min(1), cut: z.boolean(), drop: probability, duplicate: probability, reorder: probability, latencyOverridden: z.boolean() });

/**
 * The links of a runState answer that can be drawn, and what was wrong with the others: each is
 * checked on its own, so one bad link leaves the rest on screen and the message names it.
 */
export function validLinks(links: unknown): { links: LinkState[]; problem: string | null } {
  if (links === undefined) return { links: [], problem: null };
  if (!Array.isArray(links)) return { links: [], problem: 'runState links: expected an array' };
  const valid: LinkState[] = [];
  let problem: string | null = null;
  links.forEach((link: unknown, index) => {
    const result = linkStateSchema.safeParse(link);
    if (result.success) valid.push(result.data);
    else problem ??= `runState links.${index}: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(link)'} ${issue.message}`).join('; ')}`;
  });
  return { links: valid, problem };
}

/** Whether two lists of links say the same, in the same order. */
export function sameLinks(a: readonly LinkState[], b: readonly LinkState[]): boolean {
  return (
    a.length === b.length &&
    a.every((link, index) => {
      const other = b[index] as LinkState;
      return link.from === other.from && link.to === other.to && link.cut === other.cut && link.drop === other.drop && link.duplicate === other.duplicate && link.reorder === other.reorder && link.latencyOverridden === other.latencyOverridden;
    })
  );
}

/** The groups the user can draw a partition with. */
export const partitionGroupNames = ['A', 'B', 'C'] as const;
export type PartitionGroupName = (typeof partitionGroupNames)[number];

/**
 * The partition spec of drawn groups: the non-empty groups in order, and the replicas left out as
 * one more group (as the lab would). At least two groups are needed, or it says what is missing.
 */
export function groupsSpec(nodes: readonly string[], groupOf: Readonly<Record<string, PartitionGroupName | null | undefined>>): { spec: string[][] } | { problem: string } {
  const unknown = Object.keys(groupOf).filter((node) => groupOf[node] != null && !nodes.includes(node));
  if (unknown.length > 0) return { problem: `Not a replica of this run: ${unknown.join(', ')}` };
  const groups = partitionGroupNames.map((name) => nodes.filter((node) => groupOf[node] === name)).filter((group) => group.length > 0);
  const rest = nodes.filter((node) => groupOf[node] == null);
  const spec = rest.length > 0 ? [...groups, rest] : groups;
  if (groups.length === 0 || spec.length < 2) return { problem: 'Put the replicas in at least two groups (replicas left in no group form one more)' };
  return { spec };
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

const linkProblemPrefix = 'Could not draw every link: ';

const isNodeState = (value: unknown): value is NodeState => typeof value === 'object' && value !== null && typeof (value as NodeState).id === 'string';

/** The cluster of the current run: replicas' state (polled), node actions, partitions, the network, the CP/AP switch. */
export const useClusterStore = defineStore('cluster', () => {
  const nodes = shallowRef<readonly NodeState[]>([]);
  /** Every directed link's faults, polled with the nodes; replaced wholesale. */
  const links = shallowRef<readonly LinkState[]>([]);
  const policy = shallowRef<Policy>(policyCp);
  const network = shallowRef<NetworkSettings>({ drop: 0, duplicate: 0, reorder: 0 });
  const partition = ref<string | null>(null);
  const error = ref<string | null>(null);
  let stopPolling: (() => void) | null = null;
  let lastLinkProblem: string | null = null;

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
      observeLinks(state.links);
      policy.value = policyOf(state.consistency);
      run.observeState({ nowMs: state.nowMs, done: state.done, paused: state.paused, summary: state.summary });
    } catch (failure) {
      error.value = `Could not read the cluster's state: ${messageOf(failure)}`;
    }
  }

  /** Keeps the valid links; a bad one is named once (not five times a second) and the others stay drawn. */
  function observeLinks(reported: unknown): void {
    const { links: valid, problem } = validLinks(reported);
    // Unchanged links keep their array, so the graph does not redraw its lines five times a second.
    if (!sameLinks(links.value, valid)) links.value = valid;
    if (problem !== null && problem !== lastLinkProblem) error.value = `${linkProblemPrefix}${problem}`;
    if (problem === null && error.value?.startsWith(linkProblemPrefix) === true) error.value = null;
    lastLinkProblem = problem;
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
    links.value = [];
    lastLinkProblem = null;
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

  /** Partitions the network into the drawn groups; without two groups it says so and calls nothing. */
  async function partitionIntoGroups(groupOf: Readonly<Record<string, PartitionGroupName | null | undefined>>): Promise<boolean> {
    const run = useRunStore();
    const known = nodes.value.length > 0 ? nodes.value.map((node) => node.id) : run.nodes;
    const result = groupsSpec(known, groupOf);
    if ('problem' in result) {
      error.value = result.problem;
      return false;
    }
    await partitionWith(result.spec as LabRequest<'partition'>['spec']);
    return error.value === null;
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

  return { nodes, links, policy, network, partition, error, refresh, startPolling, stopPolling: stopPollingNow, reset, nodeAction, toggleNode, partitionWith, partitionIntoGroups, heal, setNetwork, setPolicy };
});
