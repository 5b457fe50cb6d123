/**
 * Each Raft unsafe switch (ARCHITECTURE §6) permits an anomaly. For each one a bounded seed search must
 * find a run where it really happens, and the same search with the switch off must find none.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId, RequestId } from '../../src/base/ids';
import type { ConsistencyPolicy } from '../../src/kv/command';
import type { UnsafeSwitch } from '../../src/protocol/replica';
import { chooser, connect, disconnect, leaders, makeLab, node, one, start, type Lab } from './simHarness';

/** Broken invariants that mean committed data was lost or replicas diverged. */
function safetyBroken(lab: Lab): string[] {
  return lab.cluster.invariantsBroken.filter((text) => /state-machine safety|committed entries differ|leader completeness|election safety|log matching/.test(text));
}

function waitLeader(lab: Lab, among: readonly NodeId[] = lab.ids): NodeId | null {
  let found: NodeId | null = null;
  lab.cluster.runUntil(() => {
    found = leaders(lab).find((id) => among.includes(id)) ?? null;
    return found !== null;
  }, 3000);
  return found;
}

/** Runs `scenario` for seeds 1..count and returns the seeds whose run broke a safety invariant. */
function search(count: number, scenario: (seed: number) => Lab): number[] {
  const hits: number[] = [];
  for (let seed = 1; seed <= count; seed++) {
    const broken = safetyBroken(scenario(seed));
    if (broken.length > 0) hits.push(seed);
    if (process.env['RAFT_DEBUG'] !== undefined && broken.length > 0) console.log(seed, broken.slice(0, 2));
  }
  if (process.env['RAFT_DEBUG'] !== undefined) console.log('hits', hits);
  return hits;
}

describe('commitPriorTermByCount (Raft §5.4.2, Figure 8)', () => {
  /**
   * Figure 8, staged with partitions. (a) The leader puts X on one follower only. (b) The other three
   * elect a leader whose term-(b) entry stays on it alone (cut off at once). (c) The holders of X lead
   * again and replicate X — one entry per AppendEntries, so X and the new no-op travel separately —
   * and the leader is crashed the moment it commits. (d) The term-(b) leader returns; when it wins it
   * overwrites index i. The anomaly needs (c) to commit X by counting replicas.
   */
  function figure8(unsafe: UnsafeSwitch[]) {
    return (seed: number): Lab => {
      const lab = makeLab({
        nodes: 5,
        seed,
        unsafe,
        onInvariantBroken: 'record',
        settings: { maxEntriesPerAppend: 1 },
        network: { latencyMs: { distribution: 'fixed', value: 5 } },
      });
      one(lab, 'base', 5, true);
      const leaderA = waitLeader(lab)!;
      const partnerA = lab.ids.find((id) => id !== leaderA)!;
      const rest = lab.ids.filter((id) => id !== leaderA && id !== partnerA);
      lab.cluster.partition([[leaderA, partnerA], rest]);
      const x = start(lab, leaderA, 'X');
      expect(x).not.toBeNull();
      lab.cluster.runFor(50);
      // (b) the other three elect a leader; cut it off before its no-op reaches anyone.
      const ok = lab.cluster.runUntil(() => rest.some((id) => lab.cluster.view(id)?.role === 'leader'), 5000);
      expect(ok).toBe(true);
      const leaderB = rest.find((id) => lab.cluster.view(id)?.role === 'leader')!;
      lab.cluster.heal();
      disconnect(lab, leaderB);
      // (c) a holder of X leads the four others; crash it as soon as it commits index i.
      const holders = [leaderA, partnerA];
      const leaderC = (): NodeId | undefined => holders.find((id) => lab.cluster.view(id)?.role === 'leader' && lab.cluster.view(id)!.term > lab.cluster.view(leaderB)!.term);
      if (!lab.cluster.runUntil(() => leaderC() !== undefined, 5000)) return lab;
      const leader = leaderC()!;
      lab.cluster.runUntil(() => (lab.cluster.view(leader)?.commitIndex ?? 0) >= x!.index, 2000);
      disconnect(lab, leader);
      lab.cluster.crash(leader);
      // (d) the term-(b) leader returns to the survivors.
      connect(lab, leaderB);
      lab.cluster.runFor(3000);
      return lab;
    };
  }

  it('on: two nodes apply different commands at one index within 12 seeds; off: none', () => {
    const on = search(12, figure8(['commitPriorTermByCount']));
    expect(on.length, 'no seed showed the Figure 8 anomaly').toBeGreaterThan(0);
    expect(search(12, figure8([]))).toEqual([]);
  });
});

describe('voteWithoutLogCheck (Raft §5.4.1 election restriction)', () => {
  /** A follower misses five commits; the leader crashes; the stale follower and an up-to-date one hold an election. */
  function staleElection(unsafe: UnsafeSwitch[]) {
    return (seed: number): Lab => {
      const lab = makeLab({ nodes: 3, seed, unsafe, onInvariantBroken: 'record' });
      const leader = waitLeader(lab)!;
      const stale = lab.ids.find((id) => id !== leader)!;
      disconnect(lab, stale);
      for (let i = 0; i < 5; i++) one(lab, `v${i}`, 2, true);
      lab.cluster.crash(leader);
      connect(lab, stale);
      lab.cluster.runFor(3000);
      // One more write: a leader that lost the committed entries now applies something else there.
      for (const id of leaders(lab)) start(lab, id, 'after');
      lab.cluster.runFor(1000);
      return lab;
    };
  }

  it('on: a stale node wins and overwrites committed entries within 20 seeds; off: none', () => {
    const on = search(20, staleElection(['voteWithoutLogCheck']));
    expect(on.length, 'no seed elected a stale leader').toBeGreaterThan(0);
    expect(search(20, staleElection([]))).toEqual([]);
  });
});

describe('replyBeforePersist (Figure 2: respond to RPCs only after updating stable storage)', () => {
  /** A slow disk; every node crashes with amnesia right after a write commits; the other two restart first. */
  function crashAfterCommit(unsafe: UnsafeSwitch[]) {
    return (seed: number): Lab => {
      const lab = makeLab({ nodes: 3, seed, unsafe, fsyncMs: 20, onInvariantBroken: 'record' });
      const random = chooser(seed);
      const leader = waitLeader(lab)!;
      lab.cluster.runFor(200);
      start(lab, leader, 'x');
      lab.cluster.runFor(2 + random.int(15));
      for (const id of lab.ids) lab.cluster.crash(id, { amnesia: true });
      for (const id of lab.ids) if (id !== leader) lab.cluster.restart(id);
      lab.cluster.runFor(1500);
      lab.cluster.restart(leader);
      lab.cluster.runFor(1500);
      return lab;
    };
  }

  it('on: a committed, applied entry is lost within 20 seeds; off: none', () => {
    const on = search(20, crashAfterCommit(['replyBeforePersist']));
    expect(on.length, 'no seed lost a committed entry').toBeGreaterThan(0);
    expect(search(20, crashAfterCommit([]))).toEqual([]);
  });
});

describe('leaseWithoutClockBound (§8 leader leases and clock drift)', () => {
  const leasePolicy: ConsistencyPolicy = { write: 'quorum', read: 'lease' };

  /**
   * The leader's clock runs 25 % slow (inside a 30 % drift bound). It is cut off right after a
   * heartbeat round; the others elect a leader and overwrite the key; the old leader keeps answering
   * lease reads. Returns how many of its reads, issued after the new write was acknowledged, were stale.
   */
  function staleLeaseReads(unsafe: UnsafeSwitch[], seed: number): number {
    const lab = makeLab({
      nodes: 3,
      seed,
      unsafe,
      onInvariantBroken: 'record',
      settings: { leaseMs: 140, clockDriftBoundPpm: 300_000, electionTimeoutMs: [150, 300], heartbeatMs: 50 },
    });
    const random = chooser(seed);
    const old = waitLeader(lab)!;
    one(lab, 'v1', 3, true);
    lab.cluster.setClock(old, { driftPpm: -250_000 });
    lab.cluster.runFor(300 + random.int(50));
    const oldNode = node(lab, old)!;
    // Cut it off just after a round left (the lease starts at the round's send time).
    lab.cluster.runUntil(() => oldNode.heartbeatElapsed === 0, 1000);
    disconnect(lab, old);
    let writeAckedAtMs: number | null = null;
    let write: RequestId | null = null;
    const reads: Array<{ id: RequestId; sentAtMs: number }> = [];
    for (let step = 0; step < 200; step++) {
      lab.cluster.runFor(2);
      if (lab.cluster.isUp(old)) reads.push({ id: lab.cluster.submit(old, { f: 'read', key: 'k' }, leasePolicy), sentAtMs: lab.cluster.nowMs });
      const newLeader = leaders(lab).find((id) => id !== old);
      if (write === null && newLeader !== undefined) write = lab.cluster.submit(newLeader, { f: 'write', key: 'k', value: 'v2' });
      if (write !== null && writeAckedAtMs === null && lab.cluster.reply(write)?.result.type === 'ok') writeAckedAtMs = lab.cluster.nowMs;
    }
    if (writeAckedAtMs === null) return 0;
    const acked = writeAckedAtMs;
    return reads.filter((read) => {
      const reply = lab.cluster.reply(read.id);
      return read.sentAtMs >= acked && reply?.result.type === 'ok' && reply.result.value === 'v1';
    }).length;
  }

  it('on: the deposed leader serves a stale lease read within 40 seeds; off: none', () => {
    const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
    const on = seeds.filter((seed) => staleLeaseReads(['leaseWithoutClockBound'], seed) > 0);
    if (process.env['RAFT_DEBUG'] !== undefined) console.log('stale lease reads', seeds.map((seed) => staleLeaseReads(['leaseWithoutClockBound'], seed)));
    expect(on.length, 'no seed showed a stale lease read').toBeGreaterThan(0);
    expect(seeds.filter((seed) => staleLeaseReads([], seed) > 0)).toEqual([]);
  });
});
