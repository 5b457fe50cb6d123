// The live runtime with real worker threads (ARCHITECTURE §3): a 5-node Raft and a 5-node VR cluster
// elect a leader, commit client writes, survive a leader crash and restart, keep a partitioned
// minority unavailable in CP, and leave a history the linearizability checker accepts.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { checkLabHistory } from '../../src/checker/labHistory';
import { validateExperiment } from '../../src/experiment/schema';
import type { TraceEvent } from '../../src/history/trace';
import { ThreadsRun } from '../../main/lab/threadsRun';

const crashAtMs = 1500;
const restartAtMs = 2500;
const partitionAtMs = 3500;
const healAtMs = 5000;
/** Lab time after a cut by which everything delivered before it has been handled. */
const settleAfterCutUs = 200_000;

describe.each(['raft', 'vr'] as const)('a 5-node %s cluster in worker threads', (protocol) => {
  it('elects, commits writes, survives a leader crash and restart, keeps the minority unavailable, and stays linearizable', async () => {
    const experiment = validateExperiment({
      protocol,
      durationMs: 6500,
      workload: { clients: 8, ratePerSec: 300, mix: { read: 0.4, write: 0.5, cas: 0.1 } },
    });
    const events: TraceEvent[] = [];
    // Lab time at wall speed: at 3× the five workers and the bus lag lab time on a 2-core machine
    // (since every message is parsed at the thread boundary), and what the minority had in hand at
    // the cut then shows up past the settle allowance below.
    const run = new ThreadsRun(experiment, { timeScale: 1, trace: (event) => events.push(event) });
    // The faults come from the controls, as the app's buttons would send them. Real time is not
    // deterministic: the crash waits until some node leads.
    await run.start();
    await run.untilLabUs(crashAtMs * 1000);
    await untilLeader(run);
    expect(run.core.crash('leader')).toHaveLength(1);
    await run.untilLabUs(restartAtMs * 1000);
    run.core.restart('all');
    await run.untilLabUs(partitionAtMs * 1000);
    await untilLeader(run);
    run.core.partition('majority-minority');
    await run.untilLabUs(healAtMs * 1000);
    run.core.heal();
    await run.untilLabUs(experiment.durationMs * 1000);
    const { summary, operations } = await run.finish();

    // A leader (primary) was elected before the crash, and another one after it.
    const leading = events.filter((event) => event.kind === 'role' && (event.role === 'leader' || event.role === 'primary'));
    expect(leading.some((event) => event.t < crashAtMs * 1000)).toBe(true);
    expect(run.views().every((view) => view !== null)).toBe(false); // finished: every worker stopped
    const crashed = events.find((event) => event.kind === 'node' && event.action === 'crash');
    expect(crashed).toBeDefined();
    const crashedNode = crashed?.kind === 'node' ? crashed.node : '';
    expect(leading.some((event) => event.t > crashAtMs * 1000 && event.kind === 'role' && event.node !== crashedNode)).toBe(true);
    expect(events.some((event) => event.kind === 'node' && event.action === 'restart' && event.node === crashedNode)).toBe(true);

    // Client writes committed, before and after the failover.
    const okWrites = operations.filter((operation) => operation.input.f === 'write' && operation.output.type === 'ok');
    expect(okWrites.some((operation) => (operation.return ?? 0) < crashAtMs * 1000)).toBe(true);
    expect(okWrites.some((operation) => operation.call > restartAtMs * 1000)).toBe(true);

    // The partition: the minority side commits nothing while it lasts; the majority side goes on.
    // Outputs are stamped when they reach the bus, so what the minority had in hand at the cut
    // (already delivered to its workers) may still show up a little later: allow that much.
    const partition = events.find((event) => event.kind === 'fault' && event.fault === 'partition');
    expect(partition?.kind === 'fault' && partition.detail).toBeTruthy();
    const minority = minorityOf(partition?.kind === 'fault' ? partition.detail : '');
    expect(minority.length).toBe(2);
    const commitAt = (node: string, untilUs: number) => Math.max(0, ...events.filter((event) => event.kind === 'commit' && event.node === node && event.t <= untilUs).map((event) => (event.kind === 'commit' ? event.commitIndex : 0)));
    const partitionUs = partition?.t ?? 0;
    const healUs = events.find((event) => event.kind === 'fault' && event.fault === 'heal')?.t ?? 0;
    for (const node of minority) expect(commitAt(node, healUs - 1)).toBe(commitAt(node, partitionUs + settleAfterCutUs));
    expect(operations.some((operation) => operation.output.type === 'ok' && operation.call > partitionUs + 1_000_000 && (operation.return ?? Infinity) < healUs)).toBe(true);

    // Nothing broke, and the history is linearizable key by key.
    expect(summary.runtime).toBe('threads');
    expect(summary.invariantsBroken).toEqual([]);
    // The run was handed no end-of-run check, so its summary says "not checked" (null); the check follows here.
    expect(summary.violations).toEqual({ linearizability: null, staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0, divergence: 0 });
    const verdict = checkLabHistory(operations, { now: () => performance.now(), timeoutMsPerKey: 10_000 });
    expect(verdict.failedKeys).toBe(0);
    expect(verdict.unknownKeys).toBe(0);
    expect(summary.ops.ok).toBeGreaterThan(100);
    expect(summary.messages.delivered).toBeGreaterThan(1000);
  }, 40_000);
});

/** Waits (in lab time) until some up node leads a majority. */
async function untilLeader(run: ThreadsRun): Promise<void> {
  for (let attempt = 0; attempt < 100 && run.core.leaders().length === 0; attempt++) await run.untilLabUs(run.clock.nowUs() + 20_000);
  expect(run.core.leaders().length).toBeGreaterThan(0);
}

/** The nodes of the smaller group in a partition description such as "n1,n2 | n3,n4,n5". */
function minorityOf(description: string): string[] {
  const groups = [...description.matchAll(/n\d(?:\s*,\s*n\d)*/g)].map((match) => match[0].split(/\s*,\s*/));
  groups.sort((a, b) => a.length - b.length);
  return groups[0] ?? [];
}
