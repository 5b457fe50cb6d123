/**
 * Writes the files of a simulated run off the service's thread: replays the run's replayable
 * experiment (the user's actions included, as scheduled faults) into a run folder, reporting how
 * far it got, and checks the replay reproduced the run (same trace digest). The caller cancels
 * by terminating the thread; every file of the folder is written atomically, so a cancelled
 * export leaves no half file behind.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RunController } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import { openRunFolder } from '../runFiles';
import { nodeRunOptions } from '../../workers/runOptions';

export interface ExportJob {
  /** The experiment to replay (plain data; validated again here). */
  readonly experiment: unknown;
  readonly folder: string;
  /** The digest of the run being exported: the replay must reproduce it. */
  readonly traceSha256: string;
}

export type ExportMessage =
  | { readonly kind: 'progress'; readonly fraction: number; readonly stage: 'replaying' | 'writing files' }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly message: string };

/** Simulated ms replayed between two progress reports. */
const progressEveryMs = 2_000;

function post(message: ExportMessage): void {
  parentPort?.postMessage(message);
}

function exportRun(job: ExportJob): void {
  const experiment = validateExperiment(job.experiment, 'export');
  const folder = openRunFolder(experiment, job.folder);
  const controller = new RunController(experiment, { ...nodeRunOptions(), trace: folder.trace });
  const endMs = controller.endMs;
  while (!controller.done) {
    controller.advance(progressEveryMs);
    post({ kind: 'progress', fraction: Math.min(controller.nowMs / endMs, 1) * 0.8, stage: 'replaying' });
  }
  const result = controller.finish();
  if (result.summary.traceSha256 !== job.traceSha256) throw new Error(`the replay did not reproduce the run (trace ${result.summary.traceSha256} ≠ ${job.traceSha256})`);
  post({ kind: 'progress', fraction: 0.8, stage: 'writing files' });
  folder.finish(result);
  post({ kind: 'done' });
}

try {
  exportRun(workerData as ExportJob);
} catch (error) {
  post({ kind: 'failed', message: (error as Error).message });
}
