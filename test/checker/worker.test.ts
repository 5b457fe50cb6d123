import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/checker/report';
import { checkLabKey, type LabKeyResult } from '../../src/checker/labHistory';
import type { Operation } from '../../src/history/operation';
import { type CheckerTask, labKeyTask } from '../../src/contract/worker';
import checkerWorker from '../../workers/checker.worker?modulePath';

// The worker as the app starts it: bundled to plain JavaScript, not its TypeScript source.
const workerFile = checkerWorker;

/** A history no search can finish quickly: many concurrent writes, then a read nobody wrote. */
function pathologicalEtcdLog(writers: number): string {
  const lines: string[] = [];
  for (let process = 0; process < writers; process++) lines.push(`INFO  jepsen.util - ${process}\t:invoke\t:write\t${process}`);
  lines.push(`INFO  jepsen.util - ${writers}\t:invoke\t:read\tnil`, `INFO  jepsen.util - ${writers}\t:ok\t:read\t${writers + 1}`);
  for (let process = 0; process < writers; process++) lines.push(`INFO  jepsen.util - ${process}\t:ok\t:write\t${process}`);
  return lines.join('\n');
}

describe('workers/checker.worker.ts through piscina', () => {
  const pool = new Piscina({ filename: workerFile, maxThreads: 1, minThreads: 1 });
  afterAll(async () => {
    await pool.destroy();
  });

  it('checks a history off the main thread', async () => {
    const task: CheckerTask = {
      kind: 'text',
      file: 'stale-read.log',
      format: 'auto',
      text: [
        'INFO  jepsen.util - 0\t:invoke\t:write\t1',
        'INFO  jepsen.util - 0\t:ok\t:write\t1',
        'INFO  jepsen.util - 1\t:invoke\t:read\tnil',
        'INFO  jepsen.util - 1\t:ok\t:read\tnil',
      ].join('\n'),
    };
    const report = (await pool.run(task)) as CheckReport;
    expect(report.kind).toBe('checked');
    expect(report.kind === 'checked' && report.verdict).toBe('not-linearizable');
  });

  it('writes its progress into the shared counters: every operation of every key, at the end', async () => {
    const progress = new SharedArrayBuffer(8);
    const writes = (key: string, count: number) => Array.from({ length: count }, (_, i) => [`INFO  jepsen.util - ${i}\t:invoke\t:write\t${key}${i}`, `INFO  jepsen.util - ${i}\t:ok\t:write\t${key}${i}`]).flat();
    const task: CheckerTask = { kind: 'text', file: 'two.log', format: 'etcd-log', text: [...writes('', 5)].join('\n'), progress };
    const report = (await pool.run(task)) as CheckReport;
    expect(report.kind === 'checked' && report.verdict).toBe('linearizable');
    const [done, total] = new Int32Array(progress);
    expect(total).toBe(report.kind === 'checked' ? report.operations : -1);
    expect(done).toBe(total);
  });

  it('stops with unknown / cancelled when the caller raises the cancel flag', async () => {
    const buffer = new SharedArrayBuffer(4);
    const task: CheckerTask = { kind: 'text', file: 'slow.log', format: 'etcd-log', text: pathologicalEtcdLog(22), cancelFlag: buffer };
    const running = pool.run(task) as Promise<CheckReport>;
    setTimeout(() => Atomics.store(new Int32Array(buffer), 0, 1), 300);
    const report = await running;
    expect(report.kind === 'checked' && report.verdict).toBe('unknown');
    expect(report.kind === 'checked' && report.unknownReason).toBe('cancelled');
  });

  it('checks one key of a lab history handed over as operations, and answers with the search\'s own result', async () => {
    // A stale read: w1 completes, then a read that starts after it returns nothing.
    const operations: Operation[] = [
      { id: 0, clientId: 1, call: 0, return: 10, input: { f: 'write', key: 'k', value: 'v1' }, output: { type: 'ok' } },
      { id: 1, clientId: 2, call: 20, return: 30, input: { f: 'read', key: 'k' }, output: { type: 'ok', value: null } },
      { id: 2, clientId: 3, call: 40, return: null, input: { f: 'write', key: 'k', value: 'v2' }, output: { type: 'info' } },
    ];
    const result = (await pool.run(labKeyTask('k', operations, 5_000))) as LabKeyResult;
    const here = checkLabKey('k', operations, { now: () => 0, timeoutMs: 5_000 });
    expect(result.key).toBe('k');
    expect(result.linearizability.verdict).toBe('not-linearizable');
    // The real result, not one rebuilt from a report: the search's own counts and counterexample.
    expect(result.linearizability.memoEntries).toBe(here.linearizability.memoEntries);
    expect(result.linearizability.operationsChecked).toBe(here.linearizability.operationsChecked);
    expect(result.linearizability.counterexample).toEqual(here.linearizability.counterexample);
    expect(result.sequential?.verdict).toBe(here.sequential?.verdict);
  });

  it('refuses a task that breaks the worker contract, naming the field', async () => {
    await expect(pool.run({ kind: 'lab-key', key: 'k', operations: [{ id: 0 }], timeoutMs: 10 })).rejects.toThrow(/checker task breaks the worker contract: operations\.0\.clientId/);
  });
});
