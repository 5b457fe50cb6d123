// A worker that throws becomes a crashed node with the reason; the run goes on and completes,
// and the history keeps every operation (ARCHITECTURE §10: "a worker that dies is shown as a crashed node").
import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/experiment/schema';
import type { TraceEvent } from '../../src/history/trace';
import { ThreadsRun } from '../../main/lab/threadsRun';
import { failingNode, failureMessage } from './throwingProtocol';
// The worker loads it as the app loads its entries: bundled (bin/modulePath.cjs), not as TypeScript.
import throwingProtocolModule from './throwingProtocol?modulePath';

describe('a replica worker that throws', () => {
  it('is a crashed node with the reason, restarts from its disk, and nothing is lost from the history', async () => {
    const experiment = validateExperiment({
      protocol: 'raft',
      durationMs: 4000,
      workload: { clients: 6, ratePerSec: 200 },
      // n2 throws on its 150th tick (about 1.5 s); the scheduled restart brings it back.
      faults: [{ atMs: 2500, restart: failingNode }],
    });
    const events: TraceEvent[] = [];
    const run = new ThreadsRun(experiment, { timeScale: 3, trace: (event) => events.push(event), protocolModule: throwingProtocolModule });
    await run.start();
    await run.untilLabUs(2_000_000);
    expect(run.isUp(failingNode)).toBe(false);
    expect(run.diedOf(failingNode)).toContain(failureMessage);
    expect(run.disk(failingNode)).not.toBeNull(); // its votes and log survive in the main process
    await run.untilLabUs(experiment.durationMs * 1000);
    expect(run.isUp(failingNode)).toBe(true);
    const { summary, operations } = await run.finish();

    const died = events.filter((event) => event.kind === 'node' && event.action === 'worker-died');
    expect(died).toHaveLength(1);
    expect(died[0]?.kind === 'node' && died[0].node).toBe(failingNode);
    expect(died[0]?.kind === 'node' && died[0].detail).toContain(failureMessage);
    expect(events.some((event) => event.kind === 'node' && event.action === 'restart' && event.node === failingNode)).toBe(true);

    // Every invoked operation is in the history, completed (ok / fail / info), in invocation order.
    const invoked = events.filter((event) => event.kind === 'invoke').map((event) => (event.kind === 'invoke' ? event.op : -1));
    expect(operations.map((operation) => operation.id)).toEqual(invoked);
    expect(operations.every((operation) => ['ok', 'fail', 'info'].includes(operation.output.type))).toBe(true);
    expect(summary.ops.ok + summary.ops.fail + summary.ops.info).toBe(invoked.length);
    expect(summary.ops.ok).toBeGreaterThan(100);
    expect(summary.invariantsBroken).toEqual([]);
    expect(summary.violations.lostWrite).toBe(0);
    expect(summary.violations.divergence).toBe(0);
  }, 30_000);
});
