import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Experiment } from '../../src/experiment/schema';
import type { RunSummary } from '../../src/experiment/summary';
import { workerEntry } from '../lab/workerEntry';
import type { TraceDifference } from '../bundleImport';
import type { ReplayJob, ReplayMessage } from './replayMessages';

/** The files of a run as `exportRun` returns them, in this order. */
export const exportedFileNames = ['bundle.zip', 'report.html', 'summary.json', 'trace.jsonl', 'history.json', 'history.edn', 'metrics.csv', 'experiment.yaml'] as const;

export interface ExportedFile {
  readonly name: string;
  readonly base64: string;
}

/** How a replay reports how far it got (0..1, and the stage) and how it is cancelled. */
export interface ReplayControls {
  readonly onProgress?: (fraction: number, stage: string) => void;
  readonly signal?: AbortSignal;
}

/** A replay (an export or an import) cancelled before it finished; nothing was kept. */
export class ReplayCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'ReplayCancelled';
  }
}

/** Reads the exported files of a finished run folder. */
export function readExportedFiles(folder: string): ExportedFile[] {
  return exportedFileNames.map((name) => ({ name, base64: readFileSync(join(folder, name)).toString('base64') }));
}

/**
 * Replays a simulated run in a worker thread (`main/service/replay.worker.ts`), so the service's
 * thread stays free to serve the app meanwhile; resolves with the replay's summary. Aborting the
 * signal terminates the worker and rejects with ReplayCancelled.
 */
export async function replayInWorker(job: ReplayJob, controls: ReplayControls = {}): Promise<{ summary: RunSummary; difference: TraceDifference | null }> {
  if (controls.signal?.aborted === true) throw new ReplayCancelled();
  const entry = workerEntry('replay');
  const worker = new Worker(entry.filename, { execArgv: entry.execArgv, workerData: job });
  try {
    return await new Promise<{ summary: RunSummary; difference: TraceDifference | null }>((resolve, reject) => {
      controls.signal?.addEventListener('abort', () => reject(new ReplayCancelled()), { once: true });
      worker.on('message', (message: ReplayMessage) => {
        if (message.kind === 'progress') controls.onProgress?.(message.fraction, message.stage);
        else if (message.kind === 'done') resolve({ summary: message.summary, difference: message.difference });
        else reject(new Error(message.message));
      });
      worker.on('error', (error) => reject(new Error(`the replay worker failed: ${error.message}`)));
      worker.on('exit', (code) => reject(new Error(`the replay worker stopped (exit code ${code}) before it finished`)));
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * A simulated run's files: replays it into a temporary run folder (the replay must reproduce
 * `traceSha256` before any file is written), reads the files and removes the folder in every case.
 */
export async function exportSimRun(experiment: Experiment, traceSha256: string, controls: ReplayControls = {}, temporaryRoot = tmpdir()): Promise<ExportedFile[]> {
  if (controls.signal?.aborted === true) throw new ReplayCancelled();
  // The run folder is built beside its target (main/runFolder.ts): both inside one folder of our own, removed whole.
  const root = mkdtempSync(join(temporaryRoot, 'caplab-export-'));
  const folder = join(root, 'run');
  try {
    await replayInWorker({ experiment, folder, traceSha256 }, controls);
    controls.onProgress?.(1, 'done');
    return readExportedFiles(folder);
  } catch (error) {
    if (error instanceof ReplayCancelled) throw error;
    throw new Error(`export: ${(error as Error).message}`, { cause: error });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
