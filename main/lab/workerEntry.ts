import { resolve } from 'node:path';

/** How to start one of the lab's worker entries. */
export interface WorkerEntry {
  readonly filename: string;
  readonly execArgv: string[];
}

/** Each entry's source, from the project's root: the engine's hosts in workers/, the replay in main/ (it writes run folders). */
const entrySources = {
  replica: 'workers/replica.worker.ts',
  checker: 'workers/checker.worker.ts',
  sweep: 'workers/sweep.worker.ts',
  replay: 'main/service/replay.worker.ts',
} as const;

/**
 * Where a worker entry lives and how Node loads it: the one place that knows. Under the CLI and
 * vitest the TypeScript source runs through tsx (`--require tsx/cjs`; `--import tsx` does not
 * work on Node 20, STACK.md). The Electron build will resolve a bundled `?modulePath` here instead.
 */
export function workerEntry(name: keyof typeof entrySources): WorkerEntry {
  return { filename: resolve(__dirname, '..', '..', entrySources[name]), execArgv: ['--require', 'tsx/cjs'] };
}
