import { Piscina } from 'piscina';
import type { ShrinkOutcome, ShrinkTask, SwarmOutcome, SwarmTask } from '../../src/contract/worker';
import { workerEntry } from '../lab/workerEntry';

/** Seeds of a swarm in a piscina pool over `workers/swarm.worker.ts`, one task per seed (as the sweep pool). */
export class SwarmPool {
  private readonly pool: Piscina<SwarmTask, SwarmOutcome | ShrinkOutcome>;

  /** `threadsKept`: start every thread at once and keep them (the CLI's batch); else start them as needed (the app's). */
  constructor(
    readonly threads: number,
    options: { threadsKept?: boolean } = { threadsKept: true },
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`a swarm pool needs a whole number of threads, at least 1 (got ${threads})`);
    const entry = workerEntry('swarm');
    this.pool = new Piscina({ filename: entry.filename, execArgv: entry.execArgv, minThreads: options.threadsKept === true ? threads : 0, maxThreads: threads, idleTimeout: 10_000 });
  }

  /** Runs one seed; an aborted signal drops it from the queue, or ends the thread running it. */
  runSeed(task: SwarmTask, signal?: AbortSignal): Promise<SwarmOutcome> {
    return this.pool.run(task, signal === undefined ? {} : { signal }) as Promise<SwarmOutcome>;
  }

  /** Shrinks one failing seed in a thread of the pool. */
  shrink(task: ShrinkTask): Promise<ShrinkOutcome> {
    return this.pool.run(task, { name: 'shrinkSeed' }) as Promise<ShrinkOutcome>;
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Runs every task in the pool; `onOutcome` hears each as it finishes, in any order. */
export async function swarmSeeds(tasks: readonly SwarmTask[], threads: number, onOutcome: (outcome: SwarmOutcome) => void): Promise<void> {
  const pool = new SwarmPool(threads);
  try {
    await Promise.all(tasks.map(async (task) => onOutcome(await pool.runSeed(task))));
  } finally {
    await pool.destroy();
  }
}
