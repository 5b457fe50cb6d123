import { describe, expect, it } from 'vitest';
import { type NodeId, nodeId } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import { type PaxosNode, paxosProtocol } from '../../src/protocol/paxos';
import { type PaxosSettings, paxosSettingsDefault } from '../../src/protocol/settings';
import { SimCluster } from '../../src/sim/cluster';

/**
 * Scenario catalogue for Multi-Paxos on the simulator, in the spirit of DSLabs' Paxos lab tests
 * (steady-state message counts, holes, constant repartitioning, an unreliable network, bounded
 * memory). Every step runs the node invariants and the cluster checker, so a safety bug throws.
 */

const n = (i: number): NodeId => nodeId(`n${i}`);

function paxosCluster(options: { nodes: number; seed?: number; settings?: Partial<PaxosSettings>; network?: { drop?: number; duplicate?: number; reorder?: number } }): SimCluster<PaxosSettings> {
  return new SimCluster({
    protocol: paxosProtocol,
    nodes: options.nodes,
    seed: options.seed ?? 1,
    tickMs: 10,
    settings: { ...paxosSettingsDefault, ...options.settings },
    unsafe: [],
    network: options.network ?? {},
  });
}

function node(cluster: SimCluster<PaxosSettings>, id: NodeId): PaxosNode {
  const replica = cluster.replica(id);
  if (replica === null) throw new Error(`${id} is down`);
  return replica as PaxosNode;
}

/** The leader with the highest ballot among `reachable`, once one exists. */
function leaderAmong(cluster: SimCluster<PaxosSettings>, reachable: readonly NodeId[]): NodeId | null {
  return cluster.leaders().find((id) => reachable.includes(id)) ?? null;
}

/**
 * DSLabs-style "every operation finishes": submits a write to the leader among `reachable`,
 * retrying through elections for up to `deadlineMs`, until it is acknowledged and executed on
 * `expected` nodes. Returns the slot it took.
 */
function one(cluster: SimCluster<PaxosSettings>, value: string, expected: number, reachable: readonly NodeId[] = cluster.ids, deadlineMs = 10_000): number {
  const deadline = cluster.nowMs + deadlineMs;
  while (cluster.nowMs < deadline) {
    const leader = leaderAmong(cluster, reachable);
    if (leader === null) {
      cluster.runFor(50);
      continue;
    }
    const request = cluster.submit(leader, { f: 'write', key: 'k', value });
    if (!cluster.runUntil(() => cluster.reply(request)?.result.type === 'ok', 1000)) continue;
    const slotOf = (id: NodeId): number => {
      const held = cluster.replica(id) as PaxosNode | null;
      if (held === null) return 0;
      for (const [slotNumber, decision] of held.decisions) if (decision.command?.command.f === 'write' && decision.command.command.value === value) return slotNumber;
      return 0;
    };
    const slotNumber = slotOf(leader);
    if (slotNumber === 0) return node(cluster, leader).executedSlot; // compacted already: executed there
    if (cluster.runUntil(() => cluster.views().filter((view) => view !== null && view.appliedIndex >= slotNumber).length >= expected, 2000)) return slotNumber;
  }
  const views = cluster.views().map((view) => (view === null ? 'down' : `${view.id}:${view.role}:${view.term}:${view.appliedIndex}/${view.lastIndex}`));
  throw new Error(`one(${value}) did not finish on ${expected} nodes (seed ${cluster.seed}, ${cluster.nowMs} ms): ${views.join(' ')}`);
}

describe('Multi-Paxos scenarios', () => {
  it('steady state: each agreement costs at most 15 × n messages (here about 3 per peer: P2a, P2b, Decision, plus heartbeats)', () => {
    const nodes = 5;
    const cluster = paxosCluster({ nodes });
    one(cluster, 'warm-up', nodes);
    const before = cluster.stats.sent;
    const agreements = 50;
    for (let i = 0; i < agreements; i++) one(cluster, `v${i}`, nodes);
    const perAgreement = (cluster.stats.sent - before) / agreements;
    expect(perAgreement).toBeLessThanOrEqual(15 * nodes);
    expect(perAgreement).toBeGreaterThanOrEqual(3 * (nodes - 1)); // it counts something real
    // Only phase 2 after the first election: no P1a in steady state.
    expect(cluster.stats.byKind.P1a ?? 0).toBeLessThanOrEqual(2 * (nodes - 1));
  });

  it('holes are filled: a leader that crashes with slots in flight leaves gaps the next leader fills with no-ops or their pmax value', () => {
    const cluster = paxosCluster({ nodes: 5, seed: 3 });
    one(cluster, 'first', 5);
    const leader = leaderAmong(cluster, cluster.ids) as NodeId;
    // Five writes in flight, then the leader dies before most of them are chosen.
    for (let i = 0; i < 5; i++) cluster.submit(leader, { f: 'write', key: 'k', value: `in-flight-${i}` });
    cluster.runFor(1);
    cluster.crash(leader);
    const others = cluster.ids.filter((id) => id !== leader);
    one(cluster, 'after', 4, others);
    for (const id of others) {
      const held = node(cluster, id);
      // Every slot up to the executed one is decided: no gap survives the change of leader.
      for (let slotNumber = held.snapshotSlot + 1; slotNumber <= held.executedSlot; slotNumber++) expect(held.decisions.has(slotNumber), `${id} slot ${slotNumber}`).toBe(true);
    }
    cluster.restart(leader);
    cluster.runFor(2000);
    expect(node(cluster, leader).executedSlot).toBe(node(cluster, others[0] as NodeId).executedSlot);
  });

  it('50 s of constant repartitioning: every operation finishes, and the cluster agrees at the end', () => {
    const cluster = paxosCluster({ nodes: 5, seed: 7 });
    const prng = prngStream(7, 'repartition');
    let majority: readonly NodeId[] = cluster.ids;
    const endMs = 50_000;
    const repartition = (): void => {
      if (cluster.nowMs >= endMs) return cluster.heal();
      const shuffled = [...cluster.ids].sort(() => prng.float() - 0.5);
      majority = shuffled.slice(0, 3);
      cluster.partition([majority, shuffled.slice(3)]);
      cluster.at(cluster.nowUs + prng.int(300, 1500) * 1000, repartition);
    };
    repartition();
    let finished = 0;
    while (cluster.nowMs < endMs) {
      one(cluster, `w${finished}`, 3, majority, 15_000);
      finished++;
    }
    cluster.runFor(3000);
    expect(finished).toBeGreaterThan(50);
    const executed = cluster.views().map((view) => view?.appliedIndex);
    expect(new Set(executed).size).toBe(1);
  }, 60_000);

  it('an unreliable network (80 % delivery, duplicates, reordering): every write finishes, every node executes the same slots', () => {
    const cluster = paxosCluster({ nodes: 5, seed: 11, network: { drop: 0.2, duplicate: 0.05, reorder: 0.2 } });
    for (let i = 0; i < 40; i++) one(cluster, `u${i}`, 3);
    cluster.resetNetwork({ drop: 0, duplicate: 0, reorder: 0 });
    cluster.runFor(3000);
    expect(new Set(cluster.views().map((view) => view?.appliedIndex)).size).toBe(1);
    expect(cluster.stats.dropped).toBeGreaterThan(100);
  });

  it('log compaction keeps memory bounded: decisions and pvalues stay below two snapshot intervals on a long run', () => {
    const snapshotEveryEntries = 50;
    const cluster = paxosCluster({ nodes: 3, settings: { snapshotEveryEntries } });
    let largest = 0;
    for (let i = 0; i < 600; i++) {
      one(cluster, `m${i}`, 3);
      for (const id of cluster.ids) largest = Math.max(largest, cluster.view(id)?.logEntryCount ?? 0);
    }
    expect(cluster.view(n(1))?.snapshotIndex).toBeGreaterThanOrEqual(550);
    // Decisions since the snapshot plus the pvalues still held: at most two intervals and a window.
    expect(largest).toBeLessThanOrEqual(2 * (snapshotEveryEntries + paxosSettingsDefault.windowSlots));
  });

  it('catch-up by snapshot: a node down for longer than a snapshot interval comes back through a snapshot, not a replay', () => {
    const cluster = paxosCluster({ nodes: 3, settings: { snapshotEveryEntries: 20 } });
    one(cluster, 'start', 3);
    const leader = leaderAmong(cluster, cluster.ids) as NodeId;
    const follower = cluster.ids.find((id) => id !== leader) as NodeId;
    cluster.crash(follower);
    for (let i = 0; i < 60; i++) one(cluster, `s${i}`, 2, cluster.ids.filter((id) => id !== follower));
    cluster.restart(follower);
    cluster.runUntil(() => cluster.view(follower)?.appliedIndex === cluster.view(leader)?.appliedIndex, 3000);
    expect(cluster.view(follower)?.appliedIndex).toBe(cluster.view(leader)?.appliedIndex);
    expect(cluster.stats.byKind.CatchUpReply ?? 0).toBeLessThan(10);
  });
});
