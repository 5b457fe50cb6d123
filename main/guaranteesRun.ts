import { type DatabaseProfile, type GuaranteeObservation, type GuaranteeScenario, databaseProfiles, guaranteeExperiment, guaranteeScenarios, observationOf } from '../src/experiment/guarantees';
import { type Experiment, validateExperiment } from '../src/experiment/schema';
import type { SweepPool } from './service/sweepService';

/**
 * The guarantees table's runs (ARCHITECTURE §11): every profile through every scenario for N
 * seeds, in the sweep pool. One runner for `caplab guarantees` and the app's Guarantees screen.
 */

/** One run of the table. */
export interface GuaranteeTask {
  readonly profile: string;
  readonly scenario: GuaranteeScenario;
  readonly seed: number;
  readonly experiment: Experiment;
}

/** The runs for these profiles and `seeds` seeds (1 … seeds), each experiment checked once. */
export function guaranteeTasks(seeds: number, profiles: readonly DatabaseProfile[] = databaseProfiles): GuaranteeTask[] {
  return profiles.flatMap((profile) =>
    guaranteeScenarios.flatMap((scenario) => {
      const experiment = validateExperiment({ ...guaranteeExperiment(profile, scenario), seed: 1 }, `profile ${profile.name}, scenario ${scenario}`);
      return Array.from({ length: seeds }, (_, index) => ({ profile: profile.name, scenario, seed: index + 1, experiment }));
    }),
  );
}

/**
 * Runs the tasks in the pool, at most one per thread at a time, in task order, so another job of
 * the same pool is not starved. `onRun` hears each run as it finishes. An aborted `signal` starts
 * no further run and abandons the ones going; what finished is answered, with `cancelled` true.
 * A run that fails rejects the whole (the others are abandoned).
 */
export async function runGuaranteeTasks(
  pool: SweepPool,
  tasks: readonly GuaranteeTask[],
  options: { signal?: AbortSignal; onRun?: (observation: GuaranteeObservation) => void } = {},
): Promise<{ observations: GuaranteeObservation[]; cancelled: boolean }> {
  const observations: GuaranteeObservation[] = [];
  // Stops every lane: the caller's cancel, or a run that failed.
  const stop = new AbortController();
  const cancel = (): void => stop.abort();
  options.signal?.addEventListener('abort', cancel, { once: true });
  if (options.signal?.aborted === true) stop.abort();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length && !stop.signal.aborted) {
      const task = tasks[next++]!;
      let outcome;
      try {
        outcome = await pool.runSeed(task.experiment, task.seed, stop.signal);
      } catch (error) {
        if (stop.signal.aborted) return;
        stop.abort();
        throw new Error(`${task.profile}, ${task.scenario}, seed ${task.seed} could not run: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const observation = observationOf({ profile: task.profile, scenario: task.scenario, seed: task.seed, summary: outcome.summary });
      observations.push(observation);
      options.onRun?.(observation);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(pool.threads, tasks.length) }, lane));
  } finally {
    options.signal?.removeEventListener('abort', cancel);
  }
  return { observations, cancelled: options.signal?.aborted === true && observations.length < tasks.length };
}
