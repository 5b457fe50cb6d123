// A piscina task: one seed of a sweep, run in the simulator off the main thread.
import { runExperiment, runPassed } from '../src/experiment/run';
import { validateExperiment } from '../src/experiment/schema';
import type { SweepOutcome, SweepTask } from '../src/contract/worker';
import { nodeRunOptions } from './runOptions';

export default function runSeed(task: SweepTask): SweepOutcome {
  const experiment = validateExperiment({ ...(task.experiment as object), seed: task.seed }, `seed ${task.seed}`);
  const { summary } = runExperiment(experiment, nodeRunOptions());
  return { seed: task.seed, passed: runPassed(summary), summary };
}
