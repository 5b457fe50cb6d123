// Memory on a long live run (ARCHITECTURE §10): a 60-second run at 1k ops/s keeps the main process's
// heap flat apart from the history itself. Run at a high time scale so the test stays short.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/experiment/schema';
import { ThreadsRun } from '../../main/lab/threadsRun';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function heapUsedMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1e6;
}

describe('a 60-second live run at 1k ops/s', () => {
  it('keeps the main-process heap flat (beyond the history it records)', async () => {
    const experiment = validateExperiment({
      protocol: 'raft',
      durationMs: 60_000,
      workload: { clients: 32, ratePerSec: 1000, keys: 20, timeoutMs: 1000 },
      network: { latencyMs: { distribution: 'uniform', min: 1, max: 3 } },
      protocolSettings: { snapshotEveryEntries: 1000 },
    });
    const run = new ThreadsRun(experiment, { timeScale: 4, checkInvariants: false });
    await run.start();
    await run.untilLabUs(15_000_000);
    const early = { heapMb: heapUsedMb(), operations: run.core.recorder.operations().length };
    await run.untilLabUs(60_000_000);
    const late = { heapMb: heapUsedMb(), operations: run.core.recorder.operations().length };
    const { summary } = await run.finish();
    const operationsAdded = late.operations - early.operations;
    expect(operationsAdded).toBeGreaterThan(3_000);
    // The history and the oracle keep every operation (a few hundred bytes each); anything
    // unbounded besides (messages, trace, disks, apply digests) would add far more.
    const bytesPerOperation = ((late.heapMb - early.heapMb) * 1e6) / operationsAdded;
    expect(bytesPerOperation).toBeLessThan(2000);
    expect(late.heapMb - early.heapMb).toBeLessThan(100);
    expect(summary.invariantsBroken).toEqual([]);
    console.log(`heap ${early.heapMb.toFixed(1)} MB at 15 s → ${late.heapMb.toFixed(1)} MB at 60 s; ${operationsAdded} operations added (${bytesPerOperation.toFixed(0)} B each); ${summary.ops.ok} ok of ${summary.ops.ok + summary.ops.fail + summary.ops.info}`);
  }, 60_000);
});
