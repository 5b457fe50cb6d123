// A piscina task: one seed of a swarm (ARCHITECTURE §14), drawn, run in the simulator and judged off the main thread.
import type { ShrinkOutcome, ShrinkTask, SwarmOutcome, SwarmTask } from '../src/contract/worker';
import type { Experiment } from '../src/experiment/schema';
import { drawSwarmExperiment } from '../src/swarm/draw';
import { runSwarmExperiment } from '../src/swarm/judge';
import { shrinkSwarmSeed } from '../src/swarm/shrink';
import { stringify as stringifyYaml } from 'yaml';
import { swarmRunOptions } from './runOptions';

export default function runSwarmSeed(task: SwarmTask): SwarmOutcome {
  const draw = drawSwarmExperiment(task.protocol, task.seed, task.unsafe);
  const { result, verdict } = runSwarmExperiment(draw.experiment, draw, swarmRunOptions());
  const summary = result.summary;
  return {
    seed: task.seed,
    passed: verdict.passed,
    failure: verdict.failure,
    safety: verdict.safety,
    liveness: verdict.liveness,
    ops: { ok: summary.ops.ok, fail: summary.ops.fail, info: summary.ops.info },
    traceSha256: summary.traceSha256,
    undecidedKeys: summary.linearizabilityUnknownKeys,
    convergedByMs: draw.convergedByMs,
    ...(verdict.passed ? {} : { manifest: draw.experiment }),
  };
}

/** A piscina task by name (`shrinkSeed`): shrinks one failing seed off the main thread. */
export function shrinkSeed(task: ShrinkTask): ShrinkOutcome {
  const shrunk = shrinkSwarmSeed(drawSwarmExperiment(task.protocol, task.seed, task.unsafe), swarmRunOptions);
  if (shrunk === null) return { yaml: null, faultsBefore: 0, faultsAfter: 0, runs: 0 };
  return { yaml: shrunkYaml(shrunk.experiment), faultsBefore: shrunk.faultsBefore, faultsAfter: shrunk.faultsAfter, runs: shrunk.runs };
}

/** An experiment as a file: its name, title and description first, then the rest as the schema has it. */
export function shrunkYaml(experiment: Experiment): string {
  const { name, title, description, ...rest } = experiment;
  return stringifyYaml({ name, title, description, ...rest }, { lineWidth: 0 });
}
