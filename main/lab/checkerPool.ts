import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { LabHistoryVerdict } from '../../src/checker/labHistory';
import type { CheckResult } from '../../src/checker/linearizability';
import type { CheckReport } from '../../src/checker/report';
import type { Operation } from '../../src/history/operation';
import { writeCaplabHistory } from '../../src/history/formats';
import type { CheckerTask } from '../../workers/checker.worker';
import { workerEntry } from './workerEntry';

/** The per-key budget of the end-of-run check, as `workers/runOptions.ts` gives the simulator's runs. */
const timeoutMsPerKeyDefault = 10_000;

/**
 * Checker jobs (the end-of-run linearizability check, files the user opens) in a piscina pool
 * running `workers/checker.worker.ts`, so the thread that serves the app never blocks on a search.
 */
export class CheckerPool {
  private readonly pool: Piscina<CheckerTask, CheckReport>;

  constructor(threads = Math.max(1, Math.min(2, availableParallelism() - 1))) {
    const entry = workerEntry('checker');
    this.pool = new Piscina({ filename: entry.filename, execArgv: entry.execArgv, minThreads: 0, maxThreads: threads, idleTimeout: 5_000 });
  }

  /** Checks one history text (any format `caplab check` reads). */
  check(task: CheckerTask): Promise<CheckReport> {
    return this.pool.run(task);
  }

  /**
   * A lab history checked key by key (P-compositionality), each key one job: how many keys are
   * not linearizable and how many stayed unknown within the budget — the summary's numbers.
   */
  async checkLabHistory(operations: readonly Operation[], timeoutMsPerKey = timeoutMsPerKeyDefault): Promise<LabHistoryVerdict> {
    const byKey = new Map<string, Operation[]>();
    for (const { id, clientId, call, return: returned, input, output } of operations) {
      // Only the history's own fields: the lab's extra ones (node, policy …) are not part of the format.
      const operation: Operation = { id, clientId, call, return: returned, input, output };
      const list = byKey.get(input.key);
      if (list === undefined) byKey.set(input.key, [operation]);
      else list.push(operation);
    }
    const keys = [...byKey.keys()].sort();
    const reports = await Promise.all(
      keys.map((key) =>
        this.check({ file: `key ${key}`, format: 'caplab-history', text: writeCaplabHistory({ format: 'caplab-history/1', model: 'kv-cas-register', initial: null, operations: byKey.get(key) as Operation[] }), timeoutMs: timeoutMsPerKey }),
      ),
    );
    const unknownKeyNames: string[] = [];
    const failures: Array<{ key: string; result: CheckResult }> = [];
    reports.forEach((report, index) => {
      if (report.kind === 'bad-input') throw new Error(`the lab's own history was refused by the checker: ${report.error}`);
      if (report.verdict === 'unknown') unknownKeyNames.push(keys[index] as string);
      if (report.verdict !== 'not-linearizable') return;
      // A worker's report does not carry the search's internal counts; they are given as "all operations" and 0.
      const result: CheckResult = {
        verdict: report.verdict,
        model: report.model,
        operations: report.operations,
        operationsChecked: report.operations,
        partitions: report.partitions,
        elapsedMs: report.elapsedMs,
        memoEntries: 0,
        ...(report.counterexample === undefined ? {} : { counterexample: report.counterexample }),
      };
      failures.push({ key: keys[index] as string, result });
    });
    return { failedKeys: failures.length, unknownKeys: unknownKeyNames.length, unknownKeyNames, failures };
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
