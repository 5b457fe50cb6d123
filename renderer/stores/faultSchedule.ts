import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { type NetworkLink, linkName } from '../../src/contract/engine';
import type { LatencySpec } from '../../src/contract/engine';
import { labHost, messageOf } from '../lab/labHost';
import { describeLatency } from './network';
import { type ChosenExperiment, useExperimentStore } from './experiment';
import { useRunStore } from './run';

/** One scheduled fault as the experiment holds it: `atMs` and one action (ARCHITECTURE §7). */
export type ScheduledFault = { readonly atMs: number } & Readonly<Record<string, unknown>>;

/** The kinds the editor adds, each with the fields a new one starts with. */
export const faultKinds = ['partition', 'crash', 'restart', 'pause', 'clock', 'network', 'consistency', 'heal'] as const;
export type FaultKind = (typeof faultKinds)[number];

/** Targets a node fault may name besides n1..nN (ARCHITECTURE §7). */
export const symbolicTargets = ['leader', 'random', 'minority', 'majority', 'all'] as const;
export const partitionChoices = ['majority-minority', 'isolate-leader', 'bridge', 'one-way', 'ring'] as const;

/** The action of a fault: the one key besides `atMs` (and the modifiers `amnesia`, `forMs`). */
export function kindOf(fault: ScheduledFault): FaultKind | 'unknown' {
  const key = Object.keys(fault).find((name) => (faultKinds as readonly string[]).includes(name));
  return (key as FaultKind | undefined) ?? 'unknown';
}

/** What a network fault may be aimed at in the add form besides one link: every link. */
export const everyLinkTarget = 'every link';

/** The link a target of the add form names ("n1→n2" one way, "n1↔n2" both ways); null for every link. */
export function linkOfTarget(target: string): NetworkLink | null {
  const oneWay = /^(n\d)→(n\d)$/.exec(target);
  if (oneWay !== null) return { from: oneWay[1] as string, to: oneWay[2] as string };
  const bothWays = /^(n\d)↔(n\d)$/.exec(target);
  if (bothWays !== null) return { between: [bothWays[1] as string, bothWays[2] as string] };
  return null;
}

/** The targets a network fault may have in a cluster of n1..n`nodeCount`: every link, each pair both ways, each direction. */
export function networkTargets(nodeCount: number): string[] {
  const nodes = Array.from({ length: nodeCount }, (_, index) => `n${index + 1}`);
  const pairs = nodes.flatMap((a, i) => nodes.slice(i + 1).map((b) => `${a}↔${b}`));
  const directions = nodes.flatMap((from) => nodes.filter((to) => to !== from).map((to) => `${from}→${to}`));
  return [everyLinkTarget, ...pairs, ...directions];
}

/** A probability as the schedule writes it: "30%". */
const percent = (value: unknown) => (typeof value === 'number' ? `${+(value * 100).toFixed(2)}%` : JSON.stringify(value));

/** A network change in words: "n1→n2 drop 30%, latency fixed 80 ms"; without a link, every link's. */
function describeNetwork(change: Readonly<Record<string, unknown>>): string {
  const link = change.link as NetworkLink | undefined;
  const settings = Object.entries(change)
    .filter(([name]) => name !== 'link')
    .map(([name, setting]) => (name === 'latencyMs' ? `latency ${typeof setting === 'object' && setting !== null && 'distribution' in setting ? describeLatency(setting as LatencySpec) : JSON.stringify(setting)}` : `${name} ${percent(setting)}`));
  return `network ${link === undefined ? '' : `${linkName(link)} `}${settings.join(', ')}`;
}

/** One line for the timeline's label: "crash leader", "partition majority-minority", "network n1→n2 drop 20%". */
export function describeFault(fault: ScheduledFault): string {
  const kind = kindOf(fault);
  const value = kind === 'unknown' ? undefined : fault[kind];
  if (kind === 'heal') return 'heal';
  if (kind === 'partition') return `partition ${Array.isArray(value) ? (value as string[][]).map((group) => group.join(' ')).join(' | ') : String(value)}`;
  if (kind === 'pause') return `pause ${String(value)}${fault.forMs === undefined ? '' : ` for ${String(fault.forMs)} ms`}`;
  if (kind === 'network') return describeNetwork((value ?? {}) as Record<string, unknown>);
  if (kind === 'clock') return `${kind} ${Object.entries((value ?? {}) as Record<string, unknown>).map(([name, setting]) => `${name} ${JSON.stringify(setting)}`).join(', ')}`;
  if (kind === 'consistency') return `consistency ${typeof value === 'string' ? value : JSON.stringify(value)}`;
  return `${kind} ${String(value)}`;
}

/** A new fault of a kind at a time, aimed at `target` where the kind takes one. */
export function newFault(kind: FaultKind, atMs: number, target: string): ScheduledFault {
  switch (kind) {
    case 'partition':
      return { atMs, partition: (partitionChoices as readonly string[]).includes(target) ? target : 'majority-minority' };
    case 'crash':
    case 'restart':
      return { atMs, [kind]: target };
    case 'pause':
      return { atMs, pause: target, forMs: 1000 };
    case 'clock':
      return { atMs, clock: { node: target, driftPpm: 50_000 } };
    case 'network': {
      const link = linkOfTarget(target);
      return { atMs, network: link === null ? { drop: 0.2 } : { drop: 0.2, link } };
    }
    case 'consistency':
      return { atMs, consistency: target === 'cp' ? 'cp' : 'ap' };
    case 'heal':
      return { atMs, heal: true };
  }
}

/** The faults in time order (stable: equal times keep their order, which the simulator also keeps). */
export function sortedFaults(faults: readonly ScheduledFault[]): ScheduledFault[] {
  return faults.map((fault, index) => ({ fault, index })).sort((a, b) => a.fault.atMs - b.fault.atMs || a.index - b.index).map(({ fault }) => fault);
}

/**
 * The fault-schedule editor: the chosen experiment's scheduled faults on a timeline, added, moved
 * and removed here, then re-validated by the lab (validateExperiment) and made the experiment the
 * next run uses. Nothing changes until the lab accepts the edited experiment.
 */
export const useFaultScheduleStore = defineStore('faultSchedule', () => {
  /** The chosen experiment as the lab validated it (every default filled in). */
  const document = shallowRef<Record<string, unknown> | null>(null);
  const faults = shallowRef<readonly ScheduledFault[]>([]);
  const durationMs = ref(0);
  const nodes = ref(0);
  const dirty = ref(false);
  const problems = shallowRef<readonly string[]>([]);
  const error = ref<string | null>(null);
  const loadedFrom = ref<string | null>(null);

  const targets = computed(() => [...symbolicTargets, ...Array.from({ length: nodes.value }, (_, index) => `n${index + 1}`)]);
  /** What a new network fault may be aimed at: every link, or one link (both ways or one direction). */
  const linkTargets = computed(() => networkTargets(nodes.value));

  /** Reads the chosen experiment's schedule (once per chosen text). */
  async function load(chosen: ChosenExperiment): Promise<void> {
    if (loadedFrom.value === chosen.text) return;
    error.value = null;
    try {
      const result = await labHost().lab.validateExperiment({ text: chosen.text, source: chosen.source });
      if (!result.ok) {
        problems.value = result.problems;
        return;
      }
      document.value = result.experiment;
      faults.value = Array.isArray(result.experiment.faults) ? sortedFaults(result.experiment.faults as ScheduledFault[]) : [];
      durationMs.value = typeof result.experiment.durationMs === 'number' ? result.experiment.durationMs : 0;
      nodes.value = typeof result.experiment.nodes === 'number' ? result.experiment.nodes : 0;
      problems.value = [];
      dirty.value = false;
      loadedFrom.value = chosen.text;
    } catch (failure) {
      error.value = `Could not read the fault schedule: ${messageOf(failure)}`;
    }
  }

  function edit(next: readonly ScheduledFault[]): void {
    faults.value = sortedFaults(next);
    dirty.value = true;
  }

  function add(kind: FaultKind, atMs: number, target: string): void {
    edit([...faults.value, newFault(kind, Math.max(0, Math.round(atMs)), target)]);
  }

  /** Moves the fault at `index` (of the sorted list) to `atMs`, kept within the run. */
  function move(index: number, atMs: number): void {
    const fault = faults.value[index];
    if (fault === undefined) return;
    const clamped = Math.max(0, Math.min(durationMs.value, Math.round(atMs)));
    edit(faults.value.map((candidate, position) => (position === index ? { ...candidate, atMs: clamped } : candidate)));
  }

  function remove(index: number): void {
    edit(faults.value.filter((_, position) => position !== index));
  }

  /**
   * Sends the edited experiment to the lab for validation; when valid it becomes the chosen
   * experiment (and the lab view's next run). Returns whether the lab accepted it.
   */
  async function apply(): Promise<boolean> {
    const base = document.value;
    if (base === null) return false;
    const experiments = useExperimentStore();
    const name = String(base.name ?? 'experiment');
    const text = JSON.stringify({ ...base, faults: faults.value }, null, 2);
    const accepted = await experiments.openText(text, `${name}.json`);
    if (!accepted) {
      problems.value = experiments.problems;
      return false;
    }
    problems.value = [];
    dirty.value = false;
    loadedFrom.value = text;
    document.value = { ...base, faults: faults.value };
    const chosen = experiments.chosen;
    if (chosen !== null) useRunStore().prepare(chosen);
    return true;
  }

  return { document, faults, durationMs, nodes, dirty, problems, error, targets, linkTargets, load, add, move, remove, apply };
});
