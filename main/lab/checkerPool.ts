import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { type LabHistoryVerdict, type LabKeyResult, labHistoryVerdict, operationsByKey } from '../../src/checker/labHistory';
import type { CheckReport } from '../../src/checker/report';
import type { Operation } from '../../src/history/operation';
import { type CheckerTask, labKeyTask } from '../../src/contract/worker';
import { workerEntry } from './workerEntry';

/** The per-key budget of the end-of-run check, as `workers/runOptions.ts` gives the simulator's runs. */
const timeoutMsPerKeyDefault = 10_000;

/** A history file's check, as `checkHistoryText` takes it (the `text` task of the worker contract). */
export type TextCheckTask = Omit<Extract<CheckerTask, { kind: 'text' }>, 'kind'>;

/**
 * Checker jobs (the end-of-run linearizability check, files the user opens) in a piscina pool
 * running `workers/checker.worker.ts`, so the thread that serves the app never blocks on a search.
 * Tasks are the worker contract's plain data (`src/contract/worker.ts`).
 */
export class CheckerPool {
  private readonly pool: Piscina<CheckerTask, CheckReport | LabKeyResult>;

  constructor(threads = Math.max(1, Math.min(2, availableParallelism() - 1))) {
    const entry = workerEntry('checker');
    this.pool = new Piscina({ filename: entry.filename, execArgv: entry.execArgv, minThreads: 0, maxThreads: threads, idleTimeout: 5_000 });
  }

  /** Checks one history text (any format `caplab check` reads). */
  async check(task: TextCheckTask): Promise<CheckReport> {
    const report = await this.pool.run({ kind: 'text', ...task });
    if (!('kind' in report)) throw new Error('the checker worker answered a history check with a key result');
    return report;
  }

  /**
   * A lab history checked key by key (P-compositionality), each key one job handed to the
   * worker as operations, answered with the searches' own results: the same verdict as
   * `checkLabHistory` gives in the simulator.
   */
  async checkLabHistory(operations: readonly Operation[], timeoutMsPerKey = timeoutMsPerKeyDefault): Promise<LabHistoryVerdict> {
    const results = await Promise.all(
      operationsByKey(operations).map(async ({ key, operations: keyOperations }) => {
        const result = await this.pool.run(labKeyTask(key, keyOperations, timeoutMsPerKey));
        if ('kind' in result) throw new Error(`the checker worker answered key ${key} with a history report`);
        return result;
      }),
    );
    return labHistoryVerdict(results);
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
