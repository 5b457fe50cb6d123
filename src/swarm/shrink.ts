import { limits } from '../base/limits';
import type { TraceEvent } from '../history/trace';
import type { RunOptions } from '../experiment/run';
import { type Experiment, type Fault, validateExperiment } from '../experiment/schema';
import { type SwarmDraw, livenessBoundMs } from './draw';
import { runSwarmExperiment, safetyCounts, type SwarmVerdict } from './judge';

/**
 * Shrinking (issue 18): a failing swarm seed reduced to a small experiment that fails the same
 * way, with its faults written out (no random nemesis), as a file a user can open. Deterministic:
 * every step is a run in the simulator, tried in a fixed order, so the same seed shrinks to the
 * same experiment.
 */

/** Rounds of the finer steps at most (each round ends early when nothing helped). */
const finerPassesMax = 4;

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The faults a run's nemesis carried out, read back from its trace as scheduled faults. */
export function faultsOfTrace(events: readonly TraceEvent[], experiment: Experiment): Fault[] {
  const faults: Fault[] = [];
  const base = experiment.network;
  let network: Record<string, unknown> | null = null;
  for (const event of events) {
    const atMs = event.t / 1000;
    if (event.kind === 'node' && event.action !== 'worker-died') {
      if (event.action === 'crash') faults.push({ atMs, crash: event.node, ...(event.detail === 'amnesia' ? { amnesia: true } : {}) });
      else if (event.action === 'restart') faults.push({ atMs, restart: event.node });
      else if (event.action === 'pause') faults.push({ atMs, pause: event.node });
      else faults.push({ atMs, resume: event.node });
    } else if (event.kind === 'fault') {
      if (event.fault === 'partition') faults.push({ atMs, partition: partitionOf(event.detail) });
      else if (event.fault === 'heal') {
        faults.push({ atMs, heal: true });
        // A heal of partitions only: the network change going on stays.
        if (network !== null) faults.push({ atMs, network });
      } else if (event.fault === 'network') {
        network = JSON.parse(event.detail) as Record<string, unknown>;
        faults.push({ atMs, network });
      } else if (event.fault === 'network-reset') {
        network = null;
        faults.push({ atMs, network: { latencyMs: base.latencyMs, drop: base.drop, duplicate: base.duplicate, reorder: base.reorder } });
      } else if (event.fault === 'clock') {
        const space = event.detail.indexOf(' ');
        const change = JSON.parse(event.detail.slice(space + 1)) as { driftPpm?: number; offsetMs?: number };
        faults.push({ atMs, clock: { node: event.detail.slice(0, space), ...change } });
      }
    }
  }
  return faults;
}

/** A partition's trace description as a fault: explicit groups, or the shape it came from. */
function partitionOf(detail: string): Fault extends infer F ? (F extends { partition: infer P } ? P : never) : never {
  if (detail.startsWith('bridge')) return 'bridge';
  if (detail.startsWith('one-way')) return 'one-way';
  if (detail.startsWith('ring')) return 'ring';
  return detail.split(' | ').map((group) => group.replace(/[{}]/g, '').split(','));
}

/** Faults that go together: one undoes the other (crash and restart, partition and heal …). */
function episodes(faults: readonly Fault[]): Fault[][] {
  const units: Fault[][] = [];
  const open = new Map<string, Fault[]>();
  for (const fault of faults) {
    const [startKey, endKey] = 'crash' in fault ? [`node ${fault.crash}`, null] : 'restart' in fault ? [null, `node ${fault.restart}`] : 'pause' in fault ? [`pause ${fault.pause}`, null] : 'resume' in fault ? [null, `pause ${fault.resume}`] : 'partition' in fault ? ['partition', null] : 'heal' in fault ? [null, 'partition'] : 'clock' in fault ? [`clock ${fault.clock.node}`, null] : ['network', null];
    if (endKey !== null) {
      const unit = open.get(endKey);
      if (unit !== undefined) {
        unit.push(fault);
        open.delete(endKey);
      } else units.push([fault]);
      continue;
    }
    const unit = [fault];
    units.push(unit);
    if (startKey !== null) open.set(startKey, unit);
  }
  return units;
}

/** The kinds of problem a verdict names ("invariant broken", "lost writes" …): what "fails the same way" compares. */
export function problemKinds(verdict: SwarmVerdict): string[] {
  return [...new Set([...verdict.safety, ...verdict.liveness].map((problem) => problem.split(':')[0] as string))].sort();
}

/** The expect line that holds where a verdict names a kind of problem (the judge's names). */
const expectFor: Record<string, string> = {
  'invariant broken': 'invariantsBroken > 0',
  ...Object.fromEntries(safetyCounts.map(({ key, label }) => [label, `violations.${key} > 0`])),
};

export interface ShrinkResult {
  readonly experiment: Experiment;
  readonly verdict: SwarmVerdict;
  readonly runs: number;
  /** Faults before and after. */
  readonly faultsBefore: number;
  readonly faultsAfter: number;
}

/**
 * Shrinks a failing seed's experiment: its nemesis written out as faults, a plainer network and
 * fewer clients, then fewer faults (halves, quarters … of the fault episodes), then finer steps
 * (single faults, intervals shortened, fewer nodes and clients, a lighter load, a shorter run);
 * each step kept only when the run still fails with a problem kind of the original. `runOptions`
 * gives each run its own options (a hasher digests once).
 */
export function shrinkSwarmSeed(draw: SwarmDraw, runOptions: () => RunOptions = () => ({})): ShrinkResult | null {
  const original = runSwarmExperiment(draw.experiment, draw, runOptions()).verdict;
  if (original.passed) return null;
  const kinds = new Set(problemKinds(original));
  const trace: TraceEvent[] = [];
  runSwarmExperiment(draw.experiment, draw, { ...runOptions(), trace: (event) => (event.kind === 'node' || event.kind === 'fault' ? trace.push(event) : undefined) });
  const { nemesis: _nemesis, ...rest } = draw.experiment;
  let runs = 2;
  let best: { experiment: Experiment; verdict: SwarmVerdict } | null = null;
  const failsAlike = (candidate: Record<string, unknown>): boolean => {
    if (runs >= limits.shrinkRunsMax) return false;
    runs++;
    let experiment: Experiment;
    try {
      experiment = validateExperiment(candidate, 'shrink candidate');
    } catch {
      return false;
    }
    const verdict = runSwarmExperiment(experiment, { convergedByMs: experiment.durationMs }, runOptions()).verdict;
    if (verdict.failure !== original.failure || !problemKinds(verdict).some((kind) => kinds.has(kind))) return false;
    best = { experiment, verdict };
    return true;
  };
  const allFaults = faultsOfTrace(trace, draw.experiment);
  let current: Record<string, unknown> = { ...rest, faults: allFaults };
  if (!failsAlike(current)) return null;
  // A plainer network and fewer clients first: less noise makes the faults easier to drop.
  const experiment = draw.experiment;
  const noise: Array<(c: Record<string, unknown>) => Record<string, unknown>> = [
    (c) => ({ ...c, network: { ...(c.network as object), drop: 0, duplicate: 0, reorder: 0 } }),
    (c) => ({ ...c, network: { ...(c.network as object), latencyMs: { distribution: 'fixed', value: latencyMedian(experiment) } } }),
    (c) => ({ ...c, workload: { ...(c.workload as object), clients: Math.max(1, Math.ceil(experiment.workload.clients / 2)) } }),
    (c) => ({ ...c, fsyncMs: 0 }),
  ];
  for (const step of noise) {
    const candidate = step(current);
    if (failsAlike(candidate)) current = candidate;
  }
  // Fewer faults: drop chunks of episodes, halving the chunk size until single episodes (ddmin's complement step).
  let units = episodes(allFaults);
  for (let size = Math.ceil(units.length / 2); size >= 1; size = size === 1 ? 0 : Math.ceil(size / 2)) {
    for (let start = 0; start < units.length; ) {
      const kept = [...units.slice(0, start), ...units.slice(start + size)];
      const candidate = { ...current, faults: kept.flat().sort((a, b) => a.atMs - b.atMs) };
      if (failsAlike(candidate)) {
        units = kept;
        current = candidate;
      } else start += size;
    }
  }
  // Then finer steps, repeated while any helps: single faults (the undoing halves of episodes
  // included), faults moved earlier (intervals shortened), fewer nodes, fewer clients and a
  // lighter load, a shorter run.
  const failoverMs = experiment.protocolSettings as { electionTimeoutMs?: [number, number]; viewChangeTimeoutMs?: [number, number] };
  const boundMs = livenessBoundMs((failoverMs.electionTimeoutMs ?? failoverMs.viewChangeTimeoutMs ?? [300, 300])[1], experiment.workload.timeoutMs);
  const tryStep = (candidate: Record<string, unknown>): boolean => {
    if (!failsAlike(candidate)) return false;
    current = candidate;
    return true;
  };
  for (let pass = 0; pass < finerPassesMax; pass++) {
    let changed = false;
    for (let index = 0; index < (current.faults as Fault[]).length; ) {
      const faults = current.faults as Fault[];
      if (tryStep({ ...current, faults: [...faults.slice(0, index), ...faults.slice(index + 1)] })) changed = true;
      else index++;
    }
    for (let index = 1; index < (current.faults as Fault[]).length; index++) {
      const faults = current.faults as Fault[];
      const fault = faults[index] as Fault;
      const gap = fault.atMs - (faults[index - 1] as Fault).atMs;
      if (gap < 2) continue;
      const moved = { ...fault, atMs: round1(fault.atMs - gap / 2) };
      if (tryStep({ ...current, faults: [...faults.slice(0, index), moved, ...faults.slice(index + 1)] })) changed = true;
    }
    const nodes = current.nodes as number;
    if (nodes > 3 && !JSON.stringify(current.faults).includes(`"n${nodes}"`) && tryStep({ ...current, nodes: nodes - 1 })) changed = true;
    const workload = current.workload as Experiment['workload'];
    if (workload.clients > 1 && tryStep({ ...current, workload: { ...workload, clients: Math.max(1, Math.floor(workload.clients / 2)) } })) changed = true;
    if (workload.ratePerSec > 20 && tryStep({ ...current, workload: { ...(current.workload as object), ratePerSec: Math.max(20, Math.round(workload.ratePerSec / 2)) } })) changed = true;
    const lastMs = (current.faults as Fault[]).reduce((last, fault) => Math.max(last, fault.atMs), 0);
    const shorter = Math.ceil(lastMs + boundMs);
    if (shorter < (current.durationMs as number) && tryStep({ ...current, durationMs: shorter })) changed = true;
    if (!changed) break;
  }
  const found = best as { experiment: Experiment; verdict: SwarmVerdict } | null;
  if (found === null) return null;
  const expect = problemKinds(found.verdict).flatMap((kind) => (expectFor[kind] === undefined ? [] : [expectFor[kind]]));
  const shrunk = validateExperiment({ ...current, name: `${experiment.name}-shrunk`, title: `Shrunk from swarm seed ${experiment.seed} (${experiment.protocol}${experiment.unsafe.length > 0 ? `, ${experiment.unsafe.join(', ')}` : ''})`, description: `caplab swarm found this seed failing (${found.verdict.failure}: ${[...found.verdict.safety, ...found.verdict.liveness].join('; ')}) and shrank it in ${runs} runs from ${allFaults.length} faults to ${(current.faults as Fault[]).length}.\n`, expect }, 'shrunk experiment');
  return { experiment: shrunk, verdict: found.verdict, runs, faultsBefore: allFaults.length, faultsAfter: shrunk.faults.length };
}

function latencyMedian(experiment: Experiment): number {
  const latency = experiment.network.latencyMs;
  switch (latency.distribution) {
    case 'fixed':
      return latency.value;
    case 'uniform':
      return (latency.min + latency.max) / 2;
    case 'normal':
      return latency.mean;
    case 'lognormal':
      return latency.median;
    case 'exponential':
      return latency.mean;
  }
}
