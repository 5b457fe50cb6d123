// The replay worker's messages (main/service/replay.worker.ts ↔ replayJob.ts), plain data in a module of
// their own so that main/ never imports a worker entry (ARCHITECTURE §3).
import type { RunSummary } from '../../src/experiment/summary';
import type { TraceDifference } from '../bundleImport';

export interface ReplayJob {
  /** The experiment to replay (plain data; validated again here). */
  readonly experiment: unknown;
  /** Write the run folder here (an export); none: only the summary is wanted. */
  readonly folder?: string;
  /** The digest the replay must reproduce before any file is written. */
  readonly traceSha256?: string;
  /** An import: the bundle's trace lines, which the replay is compared with line by line. */
  readonly traceLines?: readonly string[];
}

export type ReplayMessage =
  | { readonly kind: 'progress'; readonly fraction: number; readonly stage: 'replaying' | 'writing files' }
  | { readonly kind: 'done'; readonly summary: RunSummary; readonly difference: TraceDifference | null }
  | { readonly kind: 'failed'; readonly message: string };
