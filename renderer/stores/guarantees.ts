import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { stringify as stringifyYaml } from 'yaml';
import type { GuaranteeObservationPayload, LabEvent } from '../../src/contract/lab';
import { type Anomaly, type DatabaseProfile, type GuaranteeRow, appGuaranteesSeedsMax, databaseProfiles, guaranteeExperiment, guaranteeScenarios, guaranteesCsv, guaranteesTableOf } from '../../src/contract/engine';
import { type LabJobStatus, useLabJob } from '../composables/labJob';
import { labHost } from '../lab/labHost';
import { useExperimentStore } from './experiment';
import { freshLab } from './freshLab';
import { useRunStore } from './run';

export type GuaranteesStatus = LabJobStatus;

/** Seeds per profile and scenario a new guarantees run offers: enough to see a pattern, short enough for a class (13 profiles × 5 scenarios × 2 seeds). */
export const guaranteesSeedCountDefault = 2;

/** The problem with what the user chose, or null when the lab would take it. */
export function guaranteesRequestProblem(seeds: number, profiles: readonly string[]): string | null {
  if (!Number.isInteger(seeds) || seeds < 1) return 'Run at least 1 seed per profile and scenario (a whole number)';
  if (seeds > appGuaranteesSeedsMax) return `Run at most ${appGuaranteesSeedsMax} seeds from the app (caplab guarantees on the command line runs more)`;
  if (profiles.length === 0) return 'Choose at least one database profile';
  return null;
}

/** The experiment of one run of the table as a file the lab opens: the profile's scenario at that seed. */
export function guaranteeRunText(profile: DatabaseProfile, scenario: (typeof guaranteeScenarios)[number], seed: number): string {
  return stringifyYaml({ ...guaranteeExperiment(profile, scenario), seed }, { lineWidth: 0 });
}

const observationKey = (observation: GuaranteeObservationPayload): string => `${observation.profile}/${observation.scenario}/${observation.seed}`;

/**
 * The Guarantees screen (ARCHITECTURE §11), as `caplab guarantees`: the chosen database profiles
 * through every scenario for N seeds in the lab's worker threads, the table filling as runs
 * finish, cancel, a cell's worst run opened in the lab, the table as CSV.
 */
export const useGuaranteesStore = defineStore('guarantees', () => {
  const seeds = ref(guaranteesSeedCountDefault);
  /** The profiles to run, by name, in the table's order. */
  const profiles = ref<string[]>(databaseProfiles.map((profile) => profile.name));
  const job = useLabJob<GuaranteeObservationPayload, LabEvent<'guaranteesProgress'>>({
    noun: 'guarantees run',
    idPrefix: 'guarantees',
    keyOf: observationKey,
    idOf: (event) => event.guaranteesId,
    subscribe: (listener) => labHost().lab.on('guaranteesProgress', listener),
    cancelCall: (guaranteesId) => labHost().lab.cancelGuarantees({ guaranteesId }),
  });
  const { id: guaranteesId, status, total, doneReported, outcomes, error, isGoing } = job;
  /** What the outcomes belong to (the choices may have changed since); null before the first run. */
  const ran = ref<{ seeds: number; profiles: readonly string[] } | null>(null);

  const profilesRan = computed(() => (ran.value === null ? [] : databaseProfiles.filter((profile) => ran.value?.profiles.includes(profile.name))));
  /** The table as far as the runs received go; empty before a run. */
  const rows = computed<GuaranteeRow[]>(() => (ran.value === null ? [] : guaranteesTableOf(outcomes.value, profilesRan.value)));
  const contradictions = computed(() => rows.value.flatMap((row) => row.cells.filter((cell) => cell.contradicts).map((cell) => ({ profile: row.profile, anomaly: cell.anomaly }))));

  function toggleProfile(name: string): void {
    if (isGoing.value || !databaseProfiles.some((profile) => profile.name === name)) return;
    const chosen = new Set(profiles.value);
    if (chosen.has(name)) chosen.delete(name);
    else chosen.add(name);
    profiles.value = databaseProfiles.map((profile) => profile.name).filter((candidate) => chosen.has(candidate));
  }

  function chooseAllProfiles(all: boolean): void {
    if (!isGoing.value) profiles.value = all ? databaseProfiles.map((profile) => profile.name) : [];
  }

  async function start(): Promise<boolean> {
    if (isGoing.value) return false;
    const problem = guaranteesRequestProblem(seeds.value, profiles.value);
    if (problem !== null) {
      error.value = problem;
      return false;
    }
    const request = { seeds: seeds.value, profiles: [...profiles.value] };
    ran.value = request;
    return job.begin(request.profiles.length * guaranteeScenarios.length * request.seeds, async (id) => (await labHost().lab.startGuarantees({ guaranteesId: id, ...request })).runs);
  }

  const cancel = job.cancel;

  /** Opens the worst run of a cell in a fresh lab, in the simulator, at its seed; false when the cell saw nothing or a run is going there. */
  async function openWorstInLab(profileName: string, anomaly: Anomaly): Promise<boolean> {
    const profile = databaseProfiles.find((candidate) => candidate.name === profileName);
    const worst = rows.value.find((row) => row.profile === profileName)?.cells.find((cell) => cell.anomaly === anomaly)?.worst ?? null;
    if (profile === undefined || worst === null) return false;
    const run = useRunStore();
    if (run.isActive) {
      error.value = `A run is going in the lab; stop it before opening ${profileName}, ${worst.scenario}, seed ${worst.seed}`;
      return false;
    }
    const source = `guarantees-${profileName}-${worst.scenario}-seed-${worst.seed}.yaml`;
    const experiments = useExperimentStore();
    if (!(await experiments.openText(guaranteeRunText(profile, worst.scenario, worst.seed), source))) {
      error.value = `The lab did not take ${source}: ${experiments.problems.join('; ') || experiments.error || 'no reason given'}`;
      return false;
    }
    await freshLab(experiments.chosen);
    // The table's runs are simulated; only there does the same seed give the same run.
    run.setRuntime('sim');
    run.seed = worst.seed;
    return true;
  }

  /** Hands the user the table as CSV (guaranteesCsv, the same file as `caplab guarantees --out`). */
  function downloadCsv(): boolean {
    if (rows.value.length === 0 || outcomes.value.length === 0) return false;
    labHost().saveFile('guarantees.csv', new TextEncoder().encode(guaranteesCsv(rows.value)));
    return true;
  }

  return { seeds, profiles, guaranteesId, status, total, doneReported, outcomes, error, isGoing, ran, rows, contradictions, toggleProfile, chooseAllProfiles, start, cancel, openWorstInLab, downloadCsv };
});
