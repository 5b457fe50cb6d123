import { limits } from '../base/limits';
import type { NodeId } from '../base/ids';
import { RunController, type RunOptions, type RunResult } from '../experiment/run';
import type { Experiment } from '../experiment/schema';
import type { SwarmDraw } from './draw';
import { violationCounts } from '../checker/violationKinds';

/** How a swarm seed went: safety and liveness failures are told apart (ARCHITECTURE §14). */
export type SwarmFailure = 'safety' | 'liveness';

export interface SwarmVerdict {
  readonly passed: boolean;
  /** Safety wins when both broke: a lost write matters more than a slow recovery. */
  readonly failure: SwarmFailure | null;
  readonly safety: readonly string[];
  readonly liveness: readonly string[];
}

/** The end state of one replica that the liveness check compares. */
export interface ReplicaEnd {
  readonly id: NodeId;
  readonly up: boolean;
  readonly commitIndex: number;
  readonly appliedIndex: number;
}


/** Safety: no invariant broken, and no consistency violation in a CP run. */
export function safetyProblems(result: RunResult): string[] {
  const summary = result.summary;
  const shown = summary.invariantsBroken.slice(0, limits.invariantsShownMax).map((invariant) => `invariant broken: ${invariant}`);
  const more = summary.invariantsBroken.length - shown.length;
  const problems = more > 0 ? [...shown, `invariant broken: … and ${more} more`] : shown;
  for (const { key, label } of safetyCounts) {
    const count = summary.violations[key];
    if (count !== null && count > 0) problems.push(`${label}: ${count}`);
  }
  return problems;
}

/**
 * The violation counts that fail a seed's safety, named as every screen names them. Divergence is
 * not one: the liveness phase judges convergence.
 */
export const safetyCounts = violationCounts.filter(({ key }) => key !== 'divergence');

/**
 * The share of operations after the liveness bound that may end unknown. Not 0: the drawn drop
 * rate stays on after the heal, so a client can lose every retry of one operation; and a long
 * latency tail with duplicates lets AppendEntries arrive out of order, the leader falls back to
 * probing one message a round trip, and a short client timeout can expire while the cluster is
 * converged and serving (draw version 2's raft seed 36: 8 of 62 at 83 operations a second, 13 %).
 * A cluster that has not converged leaves most of them unknown, or all.
 */
export const lateUnknownShareMax = 0.2;

/**
 * Liveness: after the heal and the bound, the cluster converged: operations invoked from
 * `convergedByMs` on completed — all but a small share (`lateUnknownShareMax`), since the drawn
 * drop rate stays on after the heal and a client can still lose every retry of one operation —,
 * at least one succeeded, every replica is up, and at the end the commit and applied indexes agree.
 */
export function livenessProblems(result: RunResult, draw: Pick<SwarmDraw, 'convergedByMs'>, ends: readonly ReplicaEnd[]): string[] {
  const problems: string[] = [];
  const late = result.operations.filter((operation) => operation.call >= draw.convergedByMs * 1000);
  const unknown = late.filter((operation) => operation.output.type === 'info').length;
  if (unknown > lateUnknownShareMax * late.length) problems.push(`${unknown} of ${late.length} operations invoked after the bound (${draw.convergedByMs} ms) never completed (more than ${lateUnknownShareMax * 100} %)`);
  if (late.length > 0 && !late.some((operation) => operation.output.type === 'ok')) problems.push(`none of the ${late.length} operations invoked after the bound (${draw.convergedByMs} ms) succeeded`);
  const down = ends.filter((end) => !end.up).map((end) => end.id);
  if (down.length > 0) problems.push(`replicas down at the end: ${down.join(', ')}`);
  const up = ends.filter((end) => end.up);
  if (new Set(up.map((end) => end.commitIndex)).size > 1) problems.push(`commit indexes disagree at the end: ${up.map((end) => `${end.id} ${end.commitIndex}`).join(', ')}`);
  else if (new Set(up.map((end) => end.appliedIndex)).size > 1) problems.push(`applied indexes disagree at the end: ${up.map((end) => `${end.id} ${end.appliedIndex}`).join(', ')}`);
  else if (result.summary.violations.divergence > 0) problems.push(`replicas at the same index hold different values for ${result.summary.violations.divergence} keys`);
  return problems;
}

/** The verdict of one finished run. */
export function judgeSwarmRun(result: RunResult, draw: Pick<SwarmDraw, 'convergedByMs'>, ends: readonly ReplicaEnd[]): SwarmVerdict {
  const safety = safetyProblems(result);
  // Replicas that diverge at the same applied index broke state-machine safety, not liveness.
  const liveness = livenessProblems(result, draw, ends);
  const diverged = liveness.find((problem) => problem.startsWith('replicas at the same index'));
  const safetyAll = diverged === undefined ? safety : [...safety, diverged];
  const livenessOnly = liveness.filter((problem) => problem !== diverged);
  const failure: SwarmFailure | null = safetyAll.length > 0 ? 'safety' : livenessOnly.length > 0 ? 'liveness' : null;
  return { passed: failure === null, failure, safety: safetyAll, liveness: livenessOnly };
}

/** Runs one drawn experiment and judges it. */
export function runSwarmExperiment(experiment: Experiment, draw: Pick<SwarmDraw, 'convergedByMs'>, options: RunOptions = {}): { result: RunResult; verdict: SwarmVerdict } {
  const controller = new RunController(experiment, options);
  const result = controller.runToEnd();
  const cluster = controller.cluster;
  const ends = cluster.ids.map((id): ReplicaEnd => {
    const view = cluster.view(id);
    return { id, up: view !== null, commitIndex: view?.commitIndex ?? -1, appliedIndex: view?.appliedIndex ?? -1 };
  });
  return { result, verdict: judgeSwarmRun(result, draw, ends) };
}
