/**
 * Replays a simulated run off the service's thread, reporting how far it got: the run's
 * replayable experiment (the user's actions included, as scheduled faults), either into a run
 * folder (an export) or only for its summary (an import). The caller cancels by terminating the
 * thread; every file of a run folder is written atomically, so a cancelled export leaves no half
 * file behind.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RunController } from '../../src/experiment/run';
import { traceLine } from '../../src/run/digest';
import { validateExperiment } from '../../src/experiment/schema';
import type { TraceEvent } from '../../src/history/trace';
import { TraceComparison } from '../bundleImport';
import type { ReplayJob, ReplayMessage } from './replayMessages';
import { openRunFolder } from '../runFiles';
import { nodeRunOptions } from '../../workers/runOptions';

/** Simulated ms replayed between two progress reports. */
const progressEveryMs = 2_000;
/** The share of the progress bar the replay takes when files follow it. */
const replayShareWithFiles = 0.8;

function post(message: ReplayMessage): void {
  parentPort?.postMessage(message);
}

function replay(job: ReplayJob): void {
  const experiment = validateExperiment(job.experiment, 'replay');
  const folder = job.folder === undefined ? null : openRunFolder(experiment, job.folder, 'sim');
  const share = folder === null ? 1 : replayShareWithFiles;
  const comparison = job.traceLines === undefined ? null : new TraceComparison(job.traceLines);
  const trace = (event: TraceEvent): void => {
    folder?.trace(event);
    comparison?.line(traceLine(event));
  };
  const controller = new RunController(experiment, { ...nodeRunOptions(), ...(folder === null && comparison === null ? {} : { trace }) });
  const endMs = controller.endMs;
  while (!controller.done) {
    controller.advance(progressEveryMs);
    post({ kind: 'progress', fraction: Math.min(controller.nowMs / endMs, 1) * share, stage: 'replaying' });
  }
  const result = controller.finish();
  if (job.traceSha256 !== undefined && result.summary.traceSha256 !== job.traceSha256) {
    folder?.discard();
    throw new Error(`the replay did not reproduce the run (trace ${result.summary.traceSha256} ≠ ${job.traceSha256})`);
  }
  if (folder !== null) {
    post({ kind: 'progress', fraction: share, stage: 'writing files' });
    folder.finish(result);
  }
  post({ kind: 'done', summary: result.summary, difference: comparison?.result() ?? null });
}

try {
  replay(workerData as ReplayJob);
} catch (error) {
  post({ kind: 'failed', message: (error as Error).message });
}
