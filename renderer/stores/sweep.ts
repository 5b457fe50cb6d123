import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { type LabEvent, type SweepSeedOutcome, appSweepSeedsMax } from '../../src/contract/lab';
import type { ProtocolName } from '../../src/contract/engine';
import { labHost } from '../lab/labHost';
import { type LabJobStatus, useLabJob } from '../composables/labJob';
import type { ChosenExperiment } from './experiment';
import { freshLab } from './freshLab';
import { useRunStore } from './run';

export type { SweepSeedOutcome } from '../../src/contract/lab';

export type SweepStatus = LabJobStatus;

/** How many seeds a new sweep offers to run. */
export const sweepSeedCountDefault = 20;

/** Failing seeds first, then passing ones, each in seed order. */
export function outcomesFailuresFirst(outcomes: readonly SweepSeedOutcome[]): SweepSeedOutcome[] {
  return [...outcomes].sort((a, b) => Number(a.passed) - Number(b.passed) || a.seed - b.seed);
}

/** What the outcomes received say, and only that. */
export interface SweepTotals {
  readonly reported: number;
  readonly passed: number;
  readonly failed: number;
  /** In seed order. */
  readonly failingSeeds: readonly number[];
}

export function sweepTotalsOf(outcomes: readonly SweepSeedOutcome[]): SweepTotals {
  const failingSeeds = outcomes.filter((outcome) => !outcome.passed).map((outcome) => outcome.seed).sort((a, b) => a - b);
  return { reported: outcomes.length, passed: outcomes.length - failingSeeds.length, failed: failingSeeds.length, failingSeeds };
}

/** The problem with a seed range the user typed, or null when the lab would take it. */
export function seedRangeProblem(firstSeed: number, seedCount: number): string | null {
  if (!Number.isInteger(firstSeed) || firstSeed < 0) return 'The first seed must be a whole number, 0 or more';
  if (!Number.isInteger(seedCount) || seedCount < 1) return 'Sweep at least 1 seed (a whole number)';
  if (seedCount > appSweepSeedsMax) return `Sweep at most ${appSweepSeedsMax} seeds from the app (caplab sweep on the command line runs more)`;
  if (firstSeed + (seedCount - 1) > Number.MAX_SAFE_INTEGER) return 'The last seed of the range is too large';
  return null;
}

/** One experiment run over a range of seeds in the lab's worker threads, its outcomes as they arrive, cancel. */
export const useSweepStore = defineStore('sweep', () => {
  /** The experiment the sweep runs (or will run): the one open in the lab when the sweep screen opened. */
  const experiment = shallowRef<ChosenExperiment | null>(null);
  const firstSeed = ref(1);
  const seedCount = ref(sweepSeedCountDefault);
  const protocol = ref<ProtocolName>('raft');
  const job = useLabJob<SweepSeedOutcome, LabEvent<'sweepProgress'>>({
    noun: 'sweep',
    idPrefix: 'sweep',
    keyOf: (outcome) => outcome.seed,
    idOf: (event) => event.sweepId,
    subscribe: (listener) => labHost().lab.on('sweepProgress', listener),
    cancelCall: (sweepId) => labHost().lab.cancelSweep({ sweepId }),
  });
  const { id: sweepId, status, total, doneReported, outcomes, error, isGoing } = job;
  /** The protocol and experiment the outcomes belong to (the inputs may have changed since). */
  const sweptProtocol = ref<ProtocolName>('raft');
  const sweptExperiment = shallowRef<ChosenExperiment | null>(null);

  const totals = computed(() => sweepTotalsOf(outcomes.value));
  const sortedOutcomes = computed(() => outcomesFailuresFirst(outcomes.value));
  /** Seeds the lab reported finished whose outcome never arrived here (0 unless an event was lost). */
  const outcomesMissing = computed(() => Math.max(0, doneReported.value - outcomes.value.length));

  /** Takes the experiment open in the lab; a different one gets its own seed and protocol as defaults. */
  function prepare(chosen: ChosenExperiment | null): void {
    if (isGoing.value || chosen === null) return;
    const current = experiment.value;
    if (current !== null && current.text === chosen.text && current.source === chosen.source) return;
    experiment.value = chosen;
    firstSeed.value = chosen.seed;
    protocol.value = chosen.protocol;
  }

  async function start(): Promise<boolean> {
    const chosen = experiment.value;
    if (chosen === null || isGoing.value) return false;
    const problem = seedRangeProblem(firstSeed.value, seedCount.value);
    if (problem !== null) {
      error.value = problem;
      return false;
    }
    sweptProtocol.value = protocol.value;
    sweptExperiment.value = chosen;
    return job.begin(seedCount.value, async (id) => (await labHost().lab.startSweep({ text: chosen.text, source: chosen.source, protocol: protocol.value, firstSeed: firstSeed.value, seeds: seedCount.value, sweepId: id })).seeds);
  }

  /** Asks the lab to stop the sweep; its last progress event then says cancelled, with the seeds done so far. */
  const cancel = job.cancel;

  /** Makes a seed of the sweep the lab's next run (same experiment and protocol); false when a run is going there. */
  async function openSeedInLab(seed: number): Promise<boolean> {
    const run = useRunStore();
    const swept = sweptExperiment.value;
    if (swept === null) return false;
    if (run.isActive) {
      error.value = `A run is going in the lab; stop it before opening seed ${seed}`;
      return false;
    }
    await freshLab(swept);
    // Sweeps run in the simulator; only there does the same seed give the same run.
    run.setRuntime('sim');
    run.seed = seed;
    run.protocol = sweptProtocol.value;
    return true;
  }

  return {
    experiment,
    firstSeed,
    seedCount,
    protocol,
    sweepId,
    status,
    total,
    doneReported,
    outcomes,
    sweptProtocol,
    sweptExperiment,
    error,
    isGoing,
    totals,
    sortedOutcomes,
    outcomesMissing,
    prepare,
    start,
    cancel,
    openSeedInLab,
  };
});
