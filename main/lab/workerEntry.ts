// Each worker entry, bundled: `?modulePath` makes the build bundle the entry and what it imports
// into one CommonJS file of its own and gives its path. electron-vite does it for the app and the
// packed CLI (out/main/chunks/); under vitest and in a clone's CLI bin/modulePath.cjs does the
// same with esbuild. No worker ever starts from a `.ts` file, nor needs tsx or the sources.
import checkerPath from '../../workers/checker.worker?modulePath';
import replicaPath from '../../workers/replica.worker?modulePath';
import sweepPath from '../../workers/sweep.worker?modulePath';
import swarmPath from '../../workers/swarm.worker?modulePath';
import replayPath from '../service/replay.worker?modulePath';

/** How to start one of the lab's worker entries. */
export interface WorkerEntry {
  readonly filename: string;
  /** Node options for the worker: none, the entry is plain JavaScript. */
  readonly execArgv: string[];
}

/** The engine's hosts in workers/, the replay in main/ (it writes run folders). */
const entryPaths = { replica: replicaPath, checker: checkerPath, sweep: sweepPath, swarm: swarmPath, replay: replayPath } as const;

/** Where a worker entry's bundle lives: the one place that knows. */
export function workerEntry(name: keyof typeof entryPaths): WorkerEntry {
  return { filename: entryPaths[name], execArgv: [] };
}
