import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { z } from 'zod';
import type { NodeState as LabNodeState } from '../../src/contract/lab';
import { labHost, messageOf } from '../lab/labHost';
import { useRunStore } from './run';

/** How often the cluster's state is polled while a run goes: about five times a second. */
export const clusterPollIntervalMs = 200;

/** One replica as the lab reports it (runState), and as the replay draws it: the view's figures the graph shows. */
export type NodeState = Omit<LabNodeState, 'view'> & {
  /** The replica's own view; null while it is crashed. The replay fills in what its trace holds (`role` may be 'unknown'). */
  readonly view: (Readonly<Pick<NonNullable<LabNodeState['view']>, 'term' | 'commitIndex' | 'lastIndex' | 'logEntryCount' | 'acceptedCount'>> & { readonly role: string; readonly leader: string | null }) | null;
};

/** One directed link between replicas as the lab reports it (runState `links`; ARCHITECTURE §4). */
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

export const probability = z.number().min(0).max(1);
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

const linkProblemPrefix = 'Could not draw every link: ';

/**
 * The replicas of the current run: their state and every link's faults as the lab reports them
 * (polled), the consistency it reports with them, and the node actions. The network and
 * consistency stores act on the run through `act`, which refreshes the state after.
 */
export const useClusterStore = defineStore('cluster', () => {
  const nodes = shallowRef<readonly NodeState[]>([]);
  /** Every directed link's faults, polled with the nodes; replaced wholesale. */
  const links = shallowRef<readonly LinkState[]>([]);
  /** The run's consistency as the lab last reported it (cp, ap or the two knobs); the consistency store reads it. */
  const consistency = shallowRef<unknown>('cp');
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
      nodes.value = state.nodes;
      observeLinks(state.links);
      consistency.value = state.consistency;
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
  function reset(experimentConsistency: unknown): void {
    nodes.value = [];
    links.value = [];
    lastLinkProblem = null;
    consistency.value = experimentConsistency;
    error.value = null;
  }

  /** Does `action` to the active run and refreshes the state; a failure is said in `error` and answers null. */
  async function act<T>(what: string, action: (id: string) => Promise<T>): Promise<T | null> {
    const id = runId();
    if (id === null) {
      error.value = `Start a run first to ${what}`;
      return null;
    }
    error.value = null;
    try {
      const result = await action(id);
      useRunStore().noteAction(what);
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

  return { nodes, links, consistency, error, refresh, startPolling, stopPolling: stopPollingNow, reset, act, nodeAction, toggleNode };
});
