// A worker that spins forever (issue 13, item 11): before, its node was shown as up and a stop
// waited on it (5 s for its key-values, 5 s more for its image). Now the watchdog finds it
// unresponsive within its bound, stops it, and the node is down with the reason, in the trace,
// the run's state and the summary; stopping never waits on it longer than that bound.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/experiment/schema';
import type { TraceEvent } from '../../src/history/trace';
import { ThreadsRun } from '../../main/lab/threadsRun';
import { spinningNode } from './spinningProtocol';
import spinningProtocolModule from './spinningProtocol?modulePath';

const answerWallMsMax = 1500;

describe('a replica worker that spins forever', () => {
  it('becomes unresponsive within the bound: stopped, shown down with the reason, named in the summary', async () => {
    const experiment = validateExperiment({ protocol: 'raft', durationMs: 3000, workload: { clients: 4, ratePerSec: 100 } });
    const events: TraceEvent[] = [];
    const run = new ThreadsRun(experiment, { timeScale: 1, trace: (event) => events.push(event), protocolModule: spinningProtocolModule, workerAnswerWallMsMax: answerWallMsMax });
    await run.start();
    // n2 spins at its 100th tick (lab ~1 s = wall ~1 s); the watchdog gives it the bound, checked a few times per bound.
    await run.untilLabUs(1_000_000 + answerWallMsMax * 1000 * 1.5);
    expect(run.isUp(spinningNode)).toBe(false);
    expect(run.diedOf(spinningNode)).toBe(`unresponsive: no answer in ${answerWallMsMax} ms; its worker was stopped`);
    const started = performance.now();
    const { summary } = await run.finish();
    const settleWallMs = performance.now() - started;
    expect(summary.workersUnresponsive).toEqual([spinningNode]);
    const died = events.filter((event) => event.kind === 'node' && event.action === 'worker-died');
    expect(died).toHaveLength(1);
    expect(died[0]?.kind === 'node' && died[0].detail).toContain('unresponsive');
    expect(summary.ops.ok).toBeGreaterThan(50);
    // The settle period is lab time; nothing waited on the stopped worker on top of it.
    expect(settleWallMs).toBeLessThan(5_000);
  }, 30_000);

  it('a stop while it spins, before the watchdog has spoken, waits on it at most the bound', async () => {
    const experiment = validateExperiment({ protocol: 'raft', durationMs: 2000, workload: { clients: 2, ratePerSec: 50 } });
    const run = new ThreadsRun(experiment, { timeScale: 1, protocolModule: spinningProtocolModule, workerAnswerWallMsMax: answerWallMsMax });
    await run.start();
    await run.untilLabUs(1_100_000); // n2 has just started spinning
    const started = performance.now();
    const { summary } = await run.finish();
    const stopWallMs = performance.now() - started;
    expect(summary.workersUnresponsive).toEqual([spinningNode]);
    expect(stopWallMs).toBeLessThan(experiment.durationMs + 2 * answerWallMsMax);
  }, 30_000);
});
