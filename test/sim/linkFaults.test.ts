import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/base/ids';
import { RunController } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import type { TraceEvent } from '../../src/history/trace';

/**
 * A network change limited to one link (ARCHITECTURE §4: faults per directed link), in the simulator:
 * the link's direction(s) carry the fault, every other link is untouched, a later change of every
 * link leaves it as it is, and a heal ends it.
 */
const changeAtMs = 1500;
const healAtMs = 3500;

function controller(faults: unknown[] = []): { controller: RunController; events: TraceEvent[] } {
  const events: TraceEvent[] = [];
  const experiment = validateExperiment({ protocol: 'raft', nodes: 3, seed: 4, durationMs: 5000, workload: { clients: 4, ratePerSec: 100 }, faults });
  return { controller: new RunController(experiment, { trace: (event) => events.push(event) }), events };
}

/** Per directed link ("n1>n2"): messages sent in [fromUs, untilUs) and how many of those were delivered. */
function deliveries(events: readonly TraceEvent[], fromUs: number, untilUs: number): Map<string, { sent: number; delivered: number }> {
  const sentIds = new Map<number, string>();
  const byLink = new Map<string, { sent: number; delivered: number }>();
  for (const event of events) {
    if (event.kind === 'send' && event.t >= fromUs && event.t < untilUs) {
      const key = `${event.from}>${event.to}`;
      sentIds.set(event.id, key);
      const counts = byLink.get(key) ?? { sent: 0, delivered: 0 };
      counts.sent++;
      byLink.set(key, counts);
    }
    if (event.kind === 'deliver') {
      const key = sentIds.get(event.id);
      if (key !== undefined) (byLink.get(key) as { delivered: number }).delivered++;
    }
  }
  return byLink;
}

describe('a network change on one link, in the simulator', () => {
  it('drop 1 one way: nothing sent leader → follower arrives, while the way back and every other link deliver; linkStates shows it; heal ends it', () => {
    const { controller: run, events } = controller();
    run.advance(changeAtMs);
    const leader = run.cluster.leaders()[0] as NodeId;
    expect(leader).toBeDefined();
    const follower = run.cluster.ids.find((id) => id !== leader) as NodeId;
    run.core.setNetwork({ drop: 1, link: { from: leader, to: follower } });

    const faulty = run.cluster.network.linkStates().filter((link) => link.drop > 0);
    expect(faulty.map((link) => `${link.from}>${link.to}`)).toEqual([`${leader}>${follower}`]);
    expect(faulty[0]).toMatchObject({ drop: 1, duplicate: 0, reorder: 0, cut: false, latencyOverridden: false });
    const fault = events.filter((event) => event.kind === 'fault').at(-1);
    expect(fault).toMatchObject({ kind: 'fault', fault: 'network', detail: `${leader}→${follower} {"drop":1}` });

    run.advance(healAtMs - changeAtMs);
    const during = deliveries(events, changeAtMs * 1000, healAtMs * 1000);
    const cut = during.get(`${leader}>${follower}`);
    expect(cut?.sent).toBeGreaterThan(0);
    expect(cut?.delivered).toBe(0);
    expect(events.some((event) => event.kind === 'drop' && event.from === leader && event.to === follower && event.reason === 'random' && event.t >= changeAtMs * 1000)).toBe(true);
    // Every other direction between replicas that carried messages delivered all of them.
    const others = [...during.entries()].filter(([key]) => key !== `${leader}>${follower}`);
    expect(others.map(([key]) => key)).toContain(`${follower}>${leader}`);
    for (const [key, counts] of others) expect(counts.delivered, key).toBe(counts.sent - inFlightAt(events, key, healAtMs * 1000));

    run.core.heal();
    expect(run.cluster.network.linkStates().every((link) => link.drop === 0 && !link.latencyOverridden)).toBe(true);
    run.advance(1000);
    const after = deliveries(events, healAtMs * 1000, (healAtMs + 800) * 1000).get(`${leader}>${follower}`);
    expect(after?.sent).toBeGreaterThan(0);
    expect(after?.delivered).toBe(after?.sent);
  });

  it('both ways, scheduled in the experiment: both directions get their own latency, a later change of every link leaves them be, heal ends it', () => {
    const slow = { distribution: 'fixed', value: 60 } as const;
    const { controller: run, events } = controller([
      { atMs: 1000, network: { latencyMs: slow, link: { between: ['n1', 'n3'] } } },
      { atMs: 1200, network: { drop: 0.1 } },
      { atMs: 2000, heal: true },
    ]);
    run.advance(1100);
    const own = run.cluster.network.linkStates().filter((link) => link.latencyOverridden);
    expect(own.map((link) => `${link.from}>${link.to}`).sort()).toEqual(['n1>n3', 'n3>n1']);
    expect(run.cluster.network.link('n1' as NodeId, 'n3' as NodeId).latencyMs).toEqual(slow);
    expect(events.find((event) => event.kind === 'fault' && event.fault === 'network')).toMatchObject({ detail: 'n1↔n3 {"latencyMs":{"distribution":"fixed","value":60}}' });
    run.advance(200);
    // The change of every link reaches the links without faults of their own only.
    const drops = new Map(run.cluster.network.linkStates().map((link) => [`${link.from}>${link.to}`, link.drop]));
    expect([drops.get('n1>n3'), drops.get('n3>n1'), drops.get('n1>n2'), drops.get('n2>n3')]).toEqual([0, 0, 0.1, 0.1]);
    // The charts' fault spans: the link's change holds beside the change of every link, not instead of it.
    expect(run.core.metrics.faultSpans().filter((span) => span.kind === 'network' && span.endMs === null).map((span) => span.detail)).toEqual(['n1↔n3 {"latencyMs":{"distribution":"fixed","value":60}}', '{"drop":0.1}']);
    run.advance(800);
    expect(run.cluster.network.linkStates().every((link) => link.drop === 0 && !link.latencyOverridden)).toBe(true);
    expect(run.cluster.network.link('n1' as NodeId, 'n3' as NodeId).latencyMs).toEqual(run.experiment.network.latencyMs);
    expect(run.core.metrics.faultSpans().filter((span) => span.kind === 'network').map((span) => [span.startMs, span.endMs])).toEqual([
      [1000, 2000],
      [1200, 2000],
    ]);
  });

  it('refuses a link naming a node the cluster does not have, changing nothing', () => {
    const { controller: run } = controller();
    run.advance(100);
    expect(() => run.core.setNetwork({ drop: 1, link: { from: 'n1', to: 'n4' } })).toThrow('the link names n4');
    expect(run.cluster.network.linkStates().every((link) => link.drop === 0)).toBe(true);
  });
});

/** Messages on a link sent before `atUs` that had not arrived by then (still in flight at the window's end). */
function inFlightAt(events: readonly TraceEvent[], key: string, atUs: number): number {
  const open = new Set<number>();
  for (const event of events) {
    if (event.t >= atUs) break;
    if (event.kind === 'send' && `${event.from}>${event.to}` === key) open.add(event.id);
    if ((event.kind === 'deliver' || event.kind === 'drop') && open.has(event.id)) open.delete(event.id);
  }
  return open.size;
}
