// Clients and partitions in the live runtime (ARCHITECTURE §3, §5): clients live in the main process
// and reach replicas over the bus's client links, which replica partitions do not cut (as in the
// simulator). With sticky routing a client talks only to its home node, which forwards over the
// replica network: a partition that cuts the home node off the leader cuts its clients off too.
import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/experiment/schema';
import { ThreadsRun } from '../../main/lab/threadsRun';

const partitionAtMs = 1500;
const healAtMs = 3500;
/** Lab time after the cut by which what was in flight has settled. */
const settleMs = 400;
const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
const minority = new Set(['n1', 'n2']);
/** Client i (from 1) has home node n((i - 1) mod 5 + 1), as `Workload` assigns them. */
const homeOf = (clientId: number) => nodes[(clientId - 1) % nodes.length] as string;

describe.each(['cp', 'ap'] as const)('sticky clients of a live Raft cluster cut in two (%s)', (consistency) => {
  it(consistency === 'cp' ? 'lose service on the minority side and keep it on the majority side' : 'keep service on both sides, through their home node', async () => {
    const experiment = validateExperiment({
      protocol: 'raft',
      durationMs: 4500,
      consistency,
      workload: { clients: 10, ratePerSec: 250, routing: 'sticky', timeoutMs: 300 },
      faults: [
        { atMs: partitionAtMs, partition: [['n1', 'n2'], ['n3', 'n4', 'n5']] },
        { atMs: healAtMs, heal: true },
      ],
    });
    const { operations, summary } = await new ThreadsRun(experiment, { timeScale: 3 }).run();
    const during = operations.filter((operation) => operation.call >= (partitionAtMs + settleMs) * 1000 && operation.return !== null && operation.return < healAtMs * 1000);
    const okDuring = (side: boolean) => during.filter((operation) => minority.has(homeOf(operation.clientId)) === side && operation.output.type === 'ok');
    // The majority side serves its clients in both modes.
    expect(okDuring(false).length).toBeGreaterThan(20);
    if (consistency === 'cp') {
      expect(okDuring(true)).toEqual([]);
      expect(summary.violations.staleRead + summary.violations.lostWrite).toBe(0);
    } else {
      // AP: the minority's nodes accept and answer locally (ARCHITECTURE §5).
      expect(okDuring(true).length).toBeGreaterThan(20);
    }
    expect(summary.invariantsBroken).toEqual([]);
  }, 30_000);
});
