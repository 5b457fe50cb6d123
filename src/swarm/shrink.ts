import { limits } from '../base/limits';
import type { TraceEvent } from '../history/trace';
import type { RunOptions } from '../experiment/run';
import { type Experiment, type Fault, validateExperiment } from '../experiment/schema';
import { type SwarmDraw, livenessBoundMs } from './draw';
import { runSwarmExperiment, type SwarmVerdict } from './judge';

/**
 * Shrinking (issue 18): a failing swarm seed reduced to a small experiment that fails the same
 * way, with its faults written out (no random nemesis), as a file a user can open. Deterministic:
 * every step is a run in the simulator, tried in a fixed order, so the same seed shrinks to the
 * same experiment.
 */


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

const expectFor: Record<string, string> = {
  'invariant broken': 'invariantsBroken > 0',
  'lost writes': 'violations.lostWrite > 0',
  'stale reads': 'violations.staleRead > 0',
  'linearizability (keys)': 'violations.linearizability > 0',
  'monotonic reads': 'violations.monotonicRead > 0',
  'read-your-writes': 'violations.readYourWrites > 0',
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
 * Shrinks a failing seed's experiment: its nemesis written out as faults, then fewer faults
 * (halves, quarters … of the fault episodes), a shorter run, fewer clients, a plainer network;
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
  // Then single faults, the undoing halves of episodes included.
  let singles = (current.faults as Fault[]).map((fault) => [fault]);
  for (let index = 0; index < singles.length; ) {
    const kept = [...singles.slice(0, index), ...singles.slice(index + 1)];
    const candidate = { ...current, faults: kept.flat() };
    if (failsAlike(candidate)) {
      singles = kept;
      current = candidate;
    } else index++;
  }
  // A shorter run: end a liveness bound after the last fault.
  const faults = current.faults as Fault[];
  const lastMs = faults.reduce((last, fault) => Math.max(last, fault.atMs), 0);
  const failoverMs = (experiment.protocolSettings as { electionTimeoutMs?: [number, number]; viewChangeTimeoutMs?: [number, number] });
  const shorter = Math.ceil(lastMs + livenessBoundMs((failoverMs.electionTimeoutMs ?? failoverMs.viewChangeTimeoutMs ?? [300, 300])[1], experiment.workload.timeoutMs));
  const simpler: Array<(c: Record<string, unknown>) => Record<string, unknown>> = [(c) => ({ ...c, durationMs: Math.min(experiment.durationMs, shorter) })];
  for (const step of simpler) {
    const candidate = step(current);
    if (failsAlike(candidate)) current = candidate;
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
