import { expect } from 'vitest';
import { runExperiment } from '../../src/experiment/run';
import { type ExperimentInput, validateExperiment } from '../../src/experiment/schema';
import { nodeRunOptions } from '../../workers/runOptions';

/** A 5-node CP cluster under the random nemesis with drops and duplicates (issue 2's sweep). */
export function nemesisExperiment(protocol: 'raft' | 'vr' | 'paxos'): ExperimentInput {
  return {
    protocol,
    nodes: 5,
    durationMs: 5000,
    consistency: 'cp',
    workload: { clients: 6, ratePerSec: 150, keys: 3 },
    network: { drop: 0.03, duplicate: 0.03 },
    nemesis: { kinds: ['partition', 'crash', 'pause', 'clock', 'drop', 'duplicate'], intervalMs: [200, 1000], untilMs: 3500 },
  };
}

/**
 * Runs seeds first..last; every run must break no invariant and its history must be free of
 * stale reads, lost writes and session breaks, linearizable per key, with replicas converged.
 * A failure names its seed and the command that reproduces it.
 */
export function sweep(input: ExperimentInput, first: number, last: number): { ok: number; info: number } {
  const failures: string[] = [];
  let ok = 0;
  let info = 0;
  for (let seed = first; seed <= last; seed++) {
    const experiment = validateExperiment({ ...input, seed });
    const { summary } = runExperiment(experiment, nodeRunOptions());
    ok += summary.ops.ok;
    info += summary.ops.info;
    const v = summary.violations;
    const problems = [
      ...summary.invariantsBroken,
      ...(v.linearizability === null ? [`linearizability ${summary.notMeasured['violations.linearizability'] ?? 'not measured'}`] : v.linearizability > 0 ? [`${v.linearizability} keys not linearizable`] : []),
      ...(summary.linearizabilityUnknownKeys > 0 ? [`${summary.linearizabilityUnknownKeys} keys undecided`] : []),
      ...(v.staleRead > 0 ? [`${v.staleRead} stale reads`] : []),
      ...(v.lostWrite > 0 ? [`${v.lostWrite} lost writes`] : []),
      ...(v.monotonicRead + v.readYourWrites > 0 ? ['session guarantees broken'] : []),
      ...(v.divergence > 0 ? [`${v.divergence} keys diverged`] : []),
    ];
    if (problems.length > 0) failures.push(`seed ${seed}: ${problems.join('; ')} (reproduce: caplab run <file> --seed ${seed})`);
  }
  expect(failures).toEqual([]);
  return { ok, info };
}
