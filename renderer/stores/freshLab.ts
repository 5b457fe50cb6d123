import type { ChosenExperiment } from './experiment';
import { useCheckerStore } from './checker';
import { useClusterStore } from './cluster';
import { useExperimentStore } from './experiment';
import { useNetworkStore } from './network';
import { useReplayStore } from './replay';
import { useRunStore } from './run';
import { useTraceStore } from './trace';
import { useReplicaLogsStore } from './replicaLogs';

/**
 * One run per screen (issue 17): opening an experiment, a file, a bundle or a sweep's seed forgets
 * the run shown before — its counters, verdict, event log, charts, cluster, network, export and
 * replay — so nothing of it appears under the new title. A run still going is stopped first.
 * Above every store it resets, and imported by none of them, so it closes no import cycle.
 */
export async function freshLab(chosen: ChosenExperiment | null): Promise<void> {
  const run = useRunStore();
  if (run.isActive) await run.stop();
  run.reset(chosen);
  useTraceStore().reset();
  useReplicaLogsStore().reset();
  useClusterStore().reset(chosen?.consistency ?? 'cp');
  useNetworkStore().reset();
  useCheckerStore().reset();
  useReplayStore().clear();
}

/** Opens the experiment the gallery chose in a fresh Lab; false when none is chosen. */
export async function openChosenInLab(): Promise<boolean> {
  const chosen = useExperimentStore().chosen;
  if (chosen === null) return false;
  await freshLab(chosen);
  return true;
}

/** Imports a bundle: the Lab starts afresh (the bundle is not an experiment to run) and the replay shows its trace. */
export async function openBundle(bytes: Uint8Array): Promise<boolean> {
  const opened = await useExperimentStore().importBundle(bytes);
  if (opened === null) return false;
  await freshLab(null);
  if (opened.trace !== null) useReplayStore().load(opened.trace, `bundle ${opened.imported.experimentName}`, null);
  return true;
}
