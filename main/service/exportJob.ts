import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Experiment } from '../../src/experiment/schema';
import type { ExportJob, ExportMessage } from './export.worker';
import { workerEntry } from '../lab/workerEntry';

/** The files of a run as `exportRun` returns them, in this order. */
export const exportedFileNames = ['bundle.zip', 'report.html', 'summary.json', 'trace.jsonl', 'history.json', 'history.edn', 'metrics.csv', 'experiment.yaml'] as const;

export interface ExportedFile {
  readonly name: string;
  readonly base64: string;
}

/** An export that was cancelled before it finished; nothing was kept. */
export class ExportCancelled extends Error {
  constructor() {
    super('the export was cancelled');
    this.name = 'ExportCancelled';
  }
}

/** Reads the exported files of a finished run folder. */
export function readExportedFiles(folder: string): ExportedFile[] {
  return exportedFileNames.map((name) => ({ name, base64: readFileSync(join(folder, name)).toString('base64') }));
}

/**
 * Replays a simulated run into a temporary run folder in a worker thread (`workers/export.worker.ts`)
 * and returns its files; the service's thread stays free to serve the app meanwhile. `onProgress`
 * hears the fraction done (0..1) and the stage; aborting `signal` terminates the worker and rejects
 * with ExportCancelled. The temporary folder is removed in every case.
 */
export async function exportSimRun(
  experiment: Experiment,
  traceSha256: string,
  onProgress: (fraction: number, stage: string) => void,
  signal?: AbortSignal,
  /** Where the temporary folder goes (default: the system's temporary directory). */
  temporaryRoot = tmpdir(),
): Promise<ExportedFile[]> {
  if (signal?.aborted === true) throw new ExportCancelled();
  const folder = mkdtempSync(join(temporaryRoot, 'caplab-export-'));
  const entry = workerEntry('export');
  const job: ExportJob = { experiment, folder, traceSha256 };
  const worker = new Worker(entry.filename, { execArgv: entry.execArgv, workerData: job });
  try {
    await new Promise<void>((resolve, reject) => {
      const cancel = () => {
        reject(new ExportCancelled());
        void worker.terminate();
      };
      signal?.addEventListener('abort', cancel, { once: true });
      worker.on('message', (message: ExportMessage) => {
        if (message.kind === 'progress') onProgress(message.fraction, message.stage);
        else if (message.kind === 'done') resolve();
        else reject(new Error(`export: ${message.message}`));
      });
      worker.on('error', (error) => reject(new Error(`export: the export worker failed: ${error.message}`)));
      worker.on('exit', (code) => reject(new Error(`export: the export worker stopped (exit code ${code}) before it finished`)));
    });
    onProgress(1, 'done');
    return readExportedFiles(folder);
  } finally {
    await worker.terminate();
    rmSync(folder, { recursive: true, force: true });
  }
}
