// A network change limited to one link in the live runtime (ARCHITECTURE §4): the bus's network model
// carries it on that direction only, the trace names the link as the simulator's does, and a heal
// ends it.
import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/experiment/schema';
import type { TraceEvent } from '../../src/history/trace';
import { ThreadsRun } from '../../main/lab/threadsRun';

describe('a network change on one link, in worker threads', () => {
  it('drop 1 leader → follower drops what the leader sends it from then on, the way back still delivers; heal ends it', async () => {
    const experiment = validateExperiment({ protocol: 'raft', nodes: 3, durationMs: 2500, workload: { clients: 2, ratePerSec: 50 } });
    const events: TraceEvent[] = [];
    const run = new ThreadsRun(experiment, { timeScale: 4, trace: (event) => events.push(event) });
    await run.start();
    await run.untilLabUs(600_000);
    for (let attempt = 0; attempt < 100 && run.core.leaders().length === 0; attempt++) await run.untilLabUs(run.clock.nowUs() + 20_000);
    const leader = run.core.leaders()[0] as string;
    expect(leader).toBeDefined();
    const follower = run.ids.find((id) => id !== leader) as string;
    run.core.setNetwork({ drop: 1, link: { from: leader, to: follower } });
    const change = events.filter((event) => event.kind === 'fault').at(-1);
    expect(change).toMatchObject({ fault: 'network', detail: `${leader}→${follower} {"drop":1}` });
    expect(run.bus.network.linkStates().filter((link) => link.drop > 0).map((link) => `${link.from}>${link.to}`)).toEqual([`${leader}>${follower}`]);

    await run.untilLabUs(run.clock.nowUs() + 1_000_000);
    run.core.heal();
    expect(run.bus.network.linkStates().every((link) => link.drop === 0 && !link.latencyOverridden)).toBe(true);
    await run.finish();

    const changedUs = change?.t ?? 0;
    const healUs = events.find((event) => event.kind === 'fault' && event.fault === 'heal')?.t ?? 0;
    const sentIn = (from: string, to: string) => new Set(events.flatMap((event) => (event.kind === 'send' && event.from === from && event.to === to && event.t > changedUs && event.t < healUs ? [event.id] : [])));
    const deliveredOf = (ids: Set<number>) => events.filter((event) => event.kind === 'deliver' && ids.has(event.id)).length;
    // The leader keeps sending (heartbeats, then answers to the follower's elections); the follower, hearing nothing, campaigns.
    const cut = sentIn(leader, follower);
    const back = sentIn(follower, leader);
    expect(cut.size).toBeGreaterThan(0);
    expect(deliveredOf(cut)).toBe(0);
    expect(back.size).toBeGreaterThan(0);
    expect(deliveredOf(back)).toBeGreaterThan(0);
  }, 30_000);
});
