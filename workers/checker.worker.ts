/**
 * A piscina task that checks one history off the main thread. The task is plain data; an
 * optional SharedArrayBuffer flag lets the caller cancel cooperatively (the search looks at it
 * every few thousand steps and returns `unknown` / `cancelled`), which keeps the worker alive
 * for the next task, unlike terminating the thread.
 */
import { performance } from 'node:perf_hooks';
import { checkHistoryText, type CheckReport, type CheckRequest } from '../src/checker/report';

export interface CheckerTask extends CheckRequest {
  /** An Int32Array's buffer of length ≥ 1: a non-zero first element cancels the check. */
  readonly cancelFlag?: SharedArrayBuffer;
  /** An Int32Array's buffer of length ≥ 2 the check writes its progress into: operations done, of all. */
  readonly progress?: SharedArrayBuffer;
}

export default function runCheckerTask(task: CheckerTask): CheckReport {
  const flag = task.cancelFlag === undefined ? undefined : new Int32Array(task.cancelFlag);
  const progress = task.progress === undefined ? undefined : new Int32Array(task.progress);
  return checkHistoryText(task, {
    now: () => performance.now(),
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

/** Shared counters a check writes its progress into, and their reading (operations done, of all). */
export function createCheckProgress(): { readonly buffer: SharedArrayBuffer; read(): { operationsDone: number; operationsTotal: number } } {
  const buffer = new SharedArrayBuffer(8);
  const view = new Int32Array(buffer);
  return { buffer, read: () => ({ operationsDone: Atomics.load(view, 0), operationsTotal: Atomics.load(view, 1) }) };
}

/** A cancel flag to hand to a task, and the function that raises it. */
export function createCancelFlag(): { readonly buffer: SharedArrayBuffer; cancel(): void } {
  const buffer = new SharedArrayBuffer(4);
  const view = new Int32Array(buffer);
  return { buffer, cancel: () => void Atomics.store(view, 0, 1) };
}
