import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { type LabEvent, type LabResponse, type SwarmSeedOutcome } from '../../src/contract/lab';
import type { UnsafeSwitch } from '../../src/contract/engine';
import { protocolSwitches, type SwarmProtocol } from '../../src/contract/engine';
import { labHost, messageOf } from '../lab/labHost';
import { type LabJobStatus, useLabJob } from '../composables/labJob';
import { useExperimentStore } from './experiment';
import { freshLab } from './freshLab';
import { useRunStore } from './run';
import { seedRangeProblem } from './sweep';

export type { SwarmSeedOutcome } from '../../src/contract/lab';
export type SwarmStatus = LabJobStatus;
export type ShrinkResult = LabResponse<'shrinkSwarmSeed'>;

/** How many seeds a new swarm offers to run. */
export const swarmSeedCountDefault = 20;

/** Failing seeds (safety first, then liveness), then passing ones, each in seed order. */
export function swarmOutcomesFailuresFirst(outcomes: readonly SwarmSeedOutcome[]): SwarmSeedOutcome[] {
  const rank = (outcome: SwarmSeedOutcome) => (outcome.failure === 'safety' ? 0 : outcome.failure === 'liveness' ? 1 : 2);
  return [...outcomes].sort((a, b) => rank(a) - rank(b) || a.seed - b.seed);
}

/**
 * Swarm testing from the app (ARCHITECTURE §14), as `caplab swarm`: a protocol, its unsafe
 * switches, a seed range; the seeds' verdicts as they arrive, cancel, a failing seed opened in the
 * lab or shrunk to a small experiment.
 */
export const useSwarmStore = defineStore('swarm', () => {
  const protocol = ref<SwarmProtocol>('raft');
  const unsafe = ref<UnsafeSwitch[]>([]);
  const firstSeed = ref(1);
  const seedCount = ref(swarmSeedCountDefault);
  const job = useLabJob<SwarmSeedOutcome, LabEvent<'swarmProgress'>>({
    noun: 'swarm',
    idPrefix: 'swarm',
    keyOf: (outcome) => outcome.seed,
    idOf: (event) => event.swarmId,
    subscribe: (listener) => labHost().lab.on('swarmProgress', listener),
    cancelCall: (swarmId) => labHost().lab.cancelSwarm({ swarmId }),
  });
  const { id: swarmId, status, total, doneReported, outcomes, error, isGoing } = job;
  /** What the outcomes belong to (the inputs may have changed since). */
  const swarmed = shallowRef<{ protocol: SwarmProtocol; unsafe: readonly UnsafeSwitch[] }>({ protocol: 'raft', unsafe: [] });
  /** Shrinks asked for, by seed: null while going. */
  const shrinks = ref<Record<number, ShrinkResult | null>>({});
  const switchesOffered = computed(() => protocolSwitches[protocol.value]);
  const sortedOutcomes = computed(() => swarmOutcomesFailuresFirst(outcomes.value));
  const totals = computed(() => {
    const failing = outcomes.value.filter((outcome) => !outcome.passed);
    return {
      reported: outcomes.value.length,
      passed: outcomes.value.length - failing.length,
      safety: failing.filter((outcome) => outcome.failure === 'safety').length,
      liveness: failing.filter((outcome) => outcome.failure === 'liveness').length,
      failingSeeds: failing.map((outcome) => outcome.seed).sort((a, b) => a - b),
      undecidedSeeds: outcomes.value.filter((outcome) => outcome.passed && outcome.undecidedKeys > 0).map((outcome) => outcome.seed).sort((a, b) => a - b),
    };
  });

  /** Picks the protocol; switches it does not have are turned off. */
  function setProtocol(next: SwarmProtocol): void {
    protocol.value = next;
    unsafe.value = unsafe.value.filter((name) => protocolSwitches[next].includes(name));
  }

  function toggleSwitch(name: UnsafeSwitch): void {
    if (!protocolSwitches[protocol.value].includes(name)) return;
    unsafe.value = unsafe.value.includes(name) ? unsafe.value.filter((other) => other !== name) : [...unsafe.value, name].sort();
  }

  async function start(): Promise<boolean> {
    if (isGoing.value) return false;
    const problem = seedRangeProblem(firstSeed.value, seedCount.value);
    if (problem !== null) {
      error.value = problem.replace('Sweep', 'Swarm').replace('caplab sweep', 'caplab swarm');
      return false;
    }
    shrinks.value = {};
    swarmed.value = { protocol: protocol.value, unsafe: [...unsafe.value] };
    return job.begin(seedCount.value, async (id) => (await labHost().lab.startSwarm({ protocol: protocol.value, unsafe: [...unsafe.value], firstSeed: firstSeed.value, seeds: seedCount.value, swarmId: id })).seeds);
  }

  const cancel = job.cancel;

  /** Opens a failing seed's drawn experiment (its manifest) in a fresh lab, in the simulator; false when it cannot. */
  async function openSeedInLab(seed: number): Promise<boolean> {
    const outcome = outcomes.value.find((candidate) => candidate.seed === seed);
    if (outcome?.manifest === undefined) return false;
    return openTextInLab(outcome.manifest, `swarm-${swarmed.value.protocol}-${seed}.yaml`);
  }

  /** Opens a shrunk seed's experiment in a fresh lab. */
  async function openShrunkInLab(seed: number): Promise<boolean> {
    const yaml = shrinks.value[seed]?.yaml;
    if (yaml === undefined || yaml === null) return false;
    return openTextInLab(yaml, `swarm-${swarmed.value.protocol}-${seed}-shrunk.yaml`);
  }

  async function openTextInLab(text: string, source: string): Promise<boolean> {
    const run = useRunStore();
    if (run.isActive) {
      error.value = 'A run is going in the lab; stop it first';
      return false;
    }
    const experiments = useExperimentStore();
    if (!(await experiments.openText(text, source))) {
      error.value = `The lab did not take ${source}: ${experiments.problems.join('; ') || experiments.error || 'no reason given'}`;
      return false;
    }
    await freshLab(experiments.chosen);
    // Swarm seeds run in the simulator; only there does the same seed give the same run.
    run.setRuntime('sim');
    return true;
  }

  /** Shrinks a failing seed in the lab's workers; its result stays under the seed. */
  async function shrink(seed: number): Promise<ShrinkResult | null> {
    if (seed in shrinks.value) return shrinks.value[seed] ?? null;
    shrinks.value = { ...shrinks.value, [seed]: null };
    try {
      const result = await labHost().lab.shrinkSwarmSeed({ protocol: swarmed.value.protocol, unsafe: [...swarmed.value.unsafe], seed });
      shrinks.value = { ...shrinks.value, [seed]: result };
      return result;
    } catch (failure) {
      const { [seed]: _dropped, ...rest } = shrinks.value;
      shrinks.value = rest;
      error.value = `Could not shrink seed ${seed}: ${messageOf(failure)}`;
      return null;
    }
  }

  return { protocol, unsafe, firstSeed, seedCount, swarmId, status, total, doneReported, outcomes, swarmed, error, shrinks, isGoing, switchesOffered, sortedOutcomes, totals, setProtocol, toggleSwitch, start, cancel, openSeedInLab, openShrunkInLab, shrink };
});
