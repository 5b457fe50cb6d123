import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { z } from 'zod';
import type { LabRequest } from '../../src/contract/lab';
import { type NetworkLink, linkDirections, linkName } from '../../src/contract/engine';
import { latencySchema, networkChangeSchema } from '../../src/contract/engine';
import type { LatencySpec } from '../../src/contract/engine';
import { labHost } from '../lab/labHost';
import { type LinkState, probability, useClusterStore } from './cluster';
import { useRunStore } from './run';

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

export type PartitionPreset = Extract<LabRequest<'partition'>['spec'], string>;
export const partitionPresets: ReadonlyArray<{ readonly spec: PartitionPreset; readonly label: string }> = [
  { spec: 'majority-minority', label: 'Majority / minority' },
  { spec: 'isolate-leader', label: 'Isolate the leader' },
  { spec: 'bridge', label: 'Bridge (non-transitive)' },
  { spec: 'one-way', label: 'One-way (asymmetric)' },
  { spec: 'ring', label: 'Ring' },
];

/** A link's (or every link's) drop, duplicate and reorder probabilities, 0–1. */
export interface NetworkSettings {
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
}

export type { LatencySpec, NetworkLink };
export type LatencyDistribution = LatencySpec['distribution'];

/** A change the Network panel sends: probabilities and/or a latency distribution. */
export type NetworkSettingsChange = Partial<NetworkSettings> & { readonly latencyMs?: LatencySpec };

/** The experiment schema's default latency, for an experiment that does not say (ARCHITECTURE §7). */
export const latencyDefault: LatencySpec = { distribution: 'lognormal', median: 5, p99: 40 };
const networkSettingsNone: NetworkSettings = { drop: 0, duplicate: 0, reorder: 0 };

/** Each distribution's parameters, in the order the editor shows them, all in ms (ARCHITECTURE §4). */
export const latencyParameters: Readonly<Record<LatencyDistribution, ReadonlyArray<{ readonly key: string; readonly label: string }>>> = {
  fixed: [{ key: 'value', label: 'value' }],
  uniform: [
    { key: 'min', label: 'min' },
    { key: 'max', label: 'max' },
  ],
  normal: [
    { key: 'mean', label: 'mean' },
    { key: 'stddev', label: 'std dev' },
  ],
  lognormal: [
    { key: 'median', label: 'median' },
    { key: 'p99', label: 'p99' },
  ],
  exponential: [{ key: 'mean', label: 'mean' }],
};
export const latencyDistributions = Object.keys(latencyParameters) as LatencyDistribution[];

/** A latency in words: "fixed 5 ms", "uniform 2–30 ms", "lognormal median 5 ms, p99 40 ms". */
export function describeLatency(spec: LatencySpec): string {
  switch (spec.distribution) {
    case 'fixed':
      return `fixed ${spec.value} ms`;
    case 'uniform':
      return `uniform ${spec.min}–${spec.max} ms`;
    case 'normal':
      return `normal mean ${spec.mean} ms, std dev ${spec.stddev} ms`;
    case 'lognormal':
      return `lognormal median ${spec.median} ms, p99 ${spec.p99} ms`;
    case 'exponential':
      return `exponential mean ${spec.mean} ms`;
  }
}

/** A latency's parameters as the editor's text fields hold them. */
export function latencyFields(spec: LatencySpec): Record<string, string> {
  const values = spec as unknown as Record<string, number>;
  return Object.fromEntries(latencyParameters[spec.distribution].map((parameter) => [parameter.key, String(values[parameter.key])]));
}

/**
 * The latency the editor's fields describe, checked as the experiment schema checks it (the lab
 * checks again), or the problem in words naming the field: "min (ms) is empty", "needs 0 ≤ min ≤ max".
 */
export function latencyFromFields(distribution: LatencyDistribution, fields: Readonly<Record<string, string | number>>): { spec: LatencySpec } | { problem: string } {
  const spec: Record<string, unknown> = { distribution };
  for (const parameter of latencyParameters[distribution]) {
    const text = String(fields[parameter.key] ?? '').trim();
    if (text === '') return { problem: `${parameter.label} (ms) is empty` };
    const value = Number(text);
    if (!Number.isFinite(value)) return { problem: `${parameter.label} (ms) must be a number, got "${text}"` };
    spec[parameter.key] = value;
  }
  const result = latencySchema.safeParse(spec);
  if (result.success) return { spec: result.data };
  const issue = result.error.issues[0];
  const field = issue?.path[0];
  const label = latencyParameters[distribution].find((parameter) => parameter.key === field)?.label;
  return { problem: `${label === undefined ? 'Latency' : `${label} (ms)`}: ${issue?.message ?? 'is not valid'}` };
}

/** What a network change applies to: every link (null), one direction, or both ways between two replicas. */
export type NetworkScope = NetworkLink | null;

/** The directed links ("from>to") a scope names; none for every link. */
export function scopeLinkKeys(scope: NetworkScope): string[] {
  return scope === null ? [] : linkDirections(scope).map(([from, to]) => `${from}>${to}`);
}

/** A scope in words, as the trace names it: "every link", "n1→n2", "n1↔n2". */
export function describeScope(scope: NetworkScope): string {
  return scope === null ? 'every link' : linkName(scope);
}

/** What the Network panel shows for a scope: its probabilities and latency as the lab reports them. */
export interface ScopeSettings extends NetworkSettings {
  /** Null when the link has a latency of its own that the app did not set (the experiment's schedule did). */
  readonly latencyMs: LatencySpec | null;
  /** Both ways between two replicas, and the two directions differ: the first direction's are shown. */
  readonly directionsDiffer: boolean;
}

/**
 * The settings of a scope: for every link, those the app last gave every link (links with faults
 * of their own keep theirs); for a link, its direction's as the lab reported them (`links`), and
 * the latency the app gave it, else the network's when it has none of its own.
 */
export function scopeSettings(options: { scope: NetworkScope; every: NetworkSettings; everyLatency: LatencySpec; links: readonly LinkState[]; linkLatency: Readonly<Record<string, LatencySpec>> }): ScopeSettings {
  const { scope, every, everyLatency, links, linkLatency } = options;
  if (scope === null) return { ...every, latencyMs: everyLatency, directionsDiffer: false };
  const [first, second] = scopeLinkKeys(scope).map((key) => links.find((link) => `${link.from}>${link.to}` === key));
  const key = scopeLinkKeys(scope)[0] as string;
  const own = linkLatency[key];
  const latencyMs = own ?? (first?.latencyOverridden === true ? null : everyLatency);
  const settings = first === undefined ? every : { drop: first.drop, duplicate: first.duplicate, reorder: first.reorder };
  const directionsDiffer = first !== undefined && second !== undefined && (first.drop !== second.drop || first.duplicate !== second.duplicate || first.reorder !== second.reorder || first.latencyOverridden !== second.latencyOverridden || linkLatency[scopeLinkKeys(scope)[1] as string] !== own);
  return { ...settings, latencyMs, directionsDiffer };
}

const experimentNetworkSchema = z.object({ latencyMs: latencySchema, drop: probability, duplicate: probability, reorder: probability });

/** The network settings of an experiment as the lab validated it (every default filled in); the schema's defaults otherwise. */
export function experimentNetworkOf(network: unknown): { settings: NetworkSettings; latencyMs: LatencySpec } {
  const result = experimentNetworkSchema.safeParse(network);
  if (!result.success) return { settings: networkSettingsNone, latencyMs: latencyDefault };
  const { latencyMs, drop, duplicate, reorder } = result.data;
  return { settings: { drop, duplicate, reorder }, latencyMs };
}

/**
 * The network of the current run: partitions drawn or chosen, the heal, and every link's (or one
 * link's) probabilities and latency as the app set them. Acts through the cluster store, which
 * polls what the lab then reports.
 */
export const useNetworkStore = defineStore('network', () => {
  const cluster = useClusterStore();
  /**
   * Every link's probabilities and latency as the app last set them (the experiment's at the
   * start and after a heal). A change of one link leaves them be: that link keeps faults of its own.
   */
  const network = shallowRef<NetworkSettings>(networkSettingsNone);
  const latency = shallowRef<LatencySpec>(latencyDefault);
  /** The latency the app gave single directed links ("from>to") in this run; a heal ends them. */
  const linkLatency = shallowRef<Readonly<Record<string, LatencySpec>>>({});
  /** The directed links ("from>to") the app gave faults of their own in this run, in the order given; a heal ends them. */
  const linksOwn = shallowRef<readonly string[]>([]);
  /** Why the last network change was refused (by the app's check or by the lab); shown in the Network panel. */
  const networkError = ref<string | null>(null);
  const partition = ref<string | null>(null);

  /** A new run starts from its experiment's network, no partition. */
  function reset(): void {
    backToExperimentNetwork();
    partition.value = null;
  }

  /** The network as the run's experiment sets it, no link with faults of its own (a new run, a heal). */
  function backToExperimentNetwork(): void {
    const experiment = experimentNetworkOf(useRunStore().experiment?.network);
    network.value = experiment.settings;
    latency.value = experiment.latencyMs;
    linkLatency.value = {};
    linksOwn.value = [];
    networkError.value = null;
  }

  async function partitionWith(spec: LabRequest<'partition'>['spec']): Promise<void> {
    const result = await cluster.act('partition the network', (id) => labHost().lab.partition({ runId: id, spec }));
    if (result !== null) partition.value = result.description;
  }

  /** Partitions the network into the drawn groups; without two groups it says so and calls nothing. */
  async function partitionIntoGroups(groupOf: Readonly<Record<string, PartitionGroupName | null | undefined>>): Promise<boolean> {
    const known = cluster.nodes.length > 0 ? cluster.nodes.map((node) => node.id) : useRunStore().nodes;
    const result = groupsSpec(known, groupOf);
    if ('problem' in result) {
      cluster.error = result.problem;
      return false;
    }
    await partitionWith(result.spec as LabRequest<'partition'>['spec']);
    return cluster.error === null;
  }

  async function heal(): Promise<void> {
    if ((await cluster.act('heal the network', (id) => labHost().lab.heal({ runId: id }))) !== null) {
      partition.value = null;
      backToExperimentNetwork();
    }
  }

  /**
   * Changes the network: every link (`scope` null; links with faults of their own keep theirs), or
   * one link in one or both directions, which then keeps its own until a heal. The change is
   * checked as the experiment schema checks it first; a bad one is named and nothing is sent.
   */
  async function setNetwork(change: NetworkSettingsChange, scope: NetworkScope = null): Promise<boolean> {
    const request = scope === null ? change : { ...change, link: scope };
    const checked = networkChangeSchema.safeParse(request);
    if (!checked.success) {
      networkError.value = `Could not change the network of ${describeScope(scope)}: ${checked.error.issues.map((issue) => `${issue.path.join('.') || 'change'}: ${issue.message}`).join('; ')}`;
      return false;
    }
    if ((await cluster.act(`change the network of ${describeScope(scope)}`, (id) => labHost().lab.setNetwork({ runId: id, change: request }))) === null) {
      // The panel shows its own refusals, next to the controls that caused them.
      networkError.value = cluster.error;
      cluster.error = null;
      return false;
    }
    networkError.value = null;
    const { latencyMs, ...probabilities } = change;
    if (scope === null) {
      network.value = { ...network.value, ...probabilities };
      if (latencyMs !== undefined) latency.value = latencyMs;
      return true;
    }
    const keys = scopeLinkKeys(scope);
    linksOwn.value = [...linksOwn.value, ...keys.filter((key) => !linksOwn.value.includes(key))];
    if (latencyMs !== undefined) linkLatency.value = { ...linkLatency.value, ...Object.fromEntries(keys.map((key) => [key, latencyMs])) };
    return true;
  }

  return { network, latency, linkLatency, linksOwn, networkError, partition, reset, partitionWith, partitionIntoGroups, heal, setNetwork };
});
