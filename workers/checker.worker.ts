/**
 * A piscina task that checks off the main thread (ARCHITECTURE §3): a history file's text, or one
 * key of a lab run's history as operations. The task is plain data (`src/contract/worker.ts`),
 * parsed here; an optional SharedArrayBuffer flag lets the caller cancel cooperatively (the search
 * looks at it every few thousand steps and returns `unknown` / `cancelled`), which keeps the worker
 * alive for the next task, unlike terminating the thread.
 */
import { performance } from 'node:perf_hooks';
import { type LabKeyResult, checkLabKey } from '../src/checker/labHistory';
import { checkHistoryText, type CheckReport } from '../src/checker/report';
import { parseCheckerTask } from '../src/contract/worker';

export default function runCheckerTask(raw: unknown): CheckReport | LabKeyResult {
  const task = parseCheckerTask(raw);
  const now = () => performance.now();
  if (task.kind === 'lab-key') return checkLabKey(task.key, task.operations, { now, timeoutMs: task.timeoutMs });
  const { cancelFlag, progress: progressBuffer, kind: _kind, ...request } = task;
  const flag = cancelFlag === undefined ? undefined : new Int32Array(cancelFlag);
  const progress = progressBuffer === undefined ? undefined : new Int32Array(progressBuffer);
  return checkHistoryText(request, {
    now,
    isCancelled: flag === undefined ? undefined : () => Atomics.load(flag, 0) !== 0,
    onProgress:
      progress === undefined
        ? undefined
        : (done, total) => {
            Atomics.store(progress, 1, total);
            Atomics.store(progress, 0, done);
          },
  });
}
