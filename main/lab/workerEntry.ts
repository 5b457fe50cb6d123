import { resolve } from 'node:path';

/** How to start one of the lab's worker entries. */
export interface WorkerEntry {
  readonly filename: string;
  readonly execArgv: string[];
}

/**
 * Where a worker entry lives and how Node loads it: the one place that knows. Under the CLI and
 * vitest the TypeScript source runs through tsx (`--require tsx/cjs`; `--import tsx` does not
 * work on Node 20, STACK.md). The Electron build will resolve a bundled `?modulePath` here instead.
 */
export function workerEntry(name: 'replica' | 'checker' | 'sweep' | 'export'): WorkerEntry {
  return { filename: resolve(__dirname, '..', '..', 'workers', `${name}.worker.ts`), execArgv: ['--require', 'tsx/cjs'] };
}
