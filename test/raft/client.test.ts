/**
 * Client interaction (§8 and ARCHITECTURE §5) on the simulator: the write acks and read paths, and a
 * seed sweep under faults where every CP read must see the latest write acknowledged before it.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId, RequestId } from '../../src/base/ids';
import { policyCp, type ConsistencyPolicy } from '../../src/kv/command';
import { chooser, leaders, makeLab, node, one, unreliable, type Lab } from './simHarness';

function leaderOf(lab: Lab): NodeId {
  expect(lab.cluster.runUntil(() => leaders(lab).length === 1, 3000)).toBe(true);
  return leaders(lab)[0]!;
}

describe('write acknowledgement and read paths', () => {
  it('quorum acks after apply; leader acks right after the local append, before commit', () => {
    const lab = makeLab({ nodes: 3, seed: 31 });
    const leader = leaderOf(lab);
    for (const id of lab.ids) if (id !== leader) lab.cluster.disconnect(id);
    const quorum = lab.cluster.submit(leader, { f: 'write', key: 'k', value: 'q' }, policyCp);
    const early = lab.cluster.submit(leader, { f: 'write', key: 'k', value: 'l' }, { write: 'leader', read: 'linearizable' });
    const cas = lab.cluster.submit(leader, { f: 'cas', key: 'k', from: 'l', to: 'c' }, { write: 'leader', read: 'linearizable' });
    lab.cluster.runFor(100);
    expect(lab.cluster.reply(quorum)).toBeUndefined();
    expect(lab.cluster.reply(early)?.result).toEqual({ type: 'ok' });
    // A cas always waits for apply: its outcome is only known then.
    expect(lab.cluster.reply(cas)).toBeUndefined();
    expect(node(lab, leader)!.commitIndex).toBeLessThan(node(lab, leader)!.log.lastIndex);
  });

  it('a local write (AP) on a follower is acknowledged at once, then reaches the log and every replica', () => {
    const lab = makeLab({ nodes: 3, seed: 32 });
    const leader = leaderOf(lab);
    const follower = lab.ids.find((id) => id !== leader)!;
    lab.cluster.disconnect(follower); // AP: it answers even when it cannot reach the leader
    const id = lab.cluster.submit(follower, { f: 'write', key: 'k', value: 'x' }, { write: 'local', read: 'local' });
    lab.cluster.runFor(2);
    expect(lab.cluster.reply(id)?.result).toEqual({ type: 'ok' });
    expect(lab.cluster.replica(leader)?.keyValues().get('k')).toBeUndefined();
    lab.cluster.connect(follower);
    lab.cluster.runFor(500);
    for (const node of lab.ids) expect(lab.cluster.replica(node)?.keyValues().get('k')).toBe('x');
  });

  it('followers answer not-leader with a hint for linearizable, lease and leader reads, and serve local reads', () => {
    const lab = makeLab({ nodes: 3, seed: 33 });
    const leader = leaderOf(lab);
    one(lab, 'v1', 3, true);
    lab.cluster.runFor(200);
    const follower = lab.ids.find((id) => id !== leader)!;
    for (const read of ['linearizable', 'lease', 'leader'] as const) {
      const id = lab.cluster.submit(follower, { f: 'read', key: 'k' }, { write: 'quorum', read });
      lab.cluster.runFor(5);
      expect(lab.cluster.reply(id)).toMatchObject({ result: { type: 'fail', reason: 'not-leader' }, leaderHint: leader });
    }
    const local = lab.cluster.submit(follower, { f: 'read', key: 'k' }, { write: 'quorum', read: 'local' });
    lab.cluster.runFor(5);
    expect(lab.cluster.reply(local)?.result).toEqual({ type: 'ok', value: 'v1' });
  });

  it('a deposed leader serves stale `leader` reads, but its linearizable reads never complete', () => {
    const lab = makeLab({ nodes: 3, seed: 34, settings: { checkQuorum: false } });
    const old = leaderOf(lab);
    one(lab, 'v1', 3, true);
    lab.cluster.disconnect(old);
    const others = lab.ids.filter((id) => id !== old);
    expect(lab.cluster.runUntil(() => others.some((id) => lab.cluster.view(id)?.role === 'leader'), 3000)).toBe(true);
    const fresh = others.find((id) => lab.cluster.view(id)?.role === 'leader')!;
    const write = lab.cluster.submit(fresh, { f: 'write', key: 'k', value: 'v2' });
    lab.cluster.runFor(100);
    expect(lab.cluster.reply(write)?.result).toEqual({ type: 'ok' });
    const stale = lab.cluster.submit(old, { f: 'read', key: 'k' }, { write: 'quorum', read: 'leader' });
    const safe = lab.cluster.submit(old, { f: 'read', key: 'k' }, policyCp);
    lab.cluster.runFor(500);
    expect(lab.cluster.reply(stale)?.result).toEqual({ type: 'ok', value: 'v1' });
    expect(lab.cluster.reply(safe)).toBeUndefined();
  });
});

describe('CP under faults: every read sees the latest write acknowledged before it was issued', () => {
  const policies: ConsistencyPolicy[] = [policyCp, { write: 'quorum', read: 'lease' }];
  it.each(policies)('policy %j over 6 seeds with partitions, crashes and a lossy network', (policy) => {
    for (let seed = 40; seed < 46; seed++) {
      const lab = makeLab({ nodes: 5, seed, network: unreliable });
      const random = chooser(seed);
      let acknowledged: { value: string; atMs: number } | null = null;
      const writes: Array<{ id: RequestId; value: string }> = [];
      const reads: Array<{ id: RequestId; atMs: number; floor: string | null; allowed: Set<string> }> = [];
      const inFlight = new Set<string>();
      for (let step = 0; step < 300; step++) {
        lab.cluster.runFor(10);
        if (step % 50 === 10) lab.cluster.crash(lab.ids[random.int(5)]!);
        if (step % 50 === 30) for (const id of lab.ids) lab.cluster.restart(id);
        if (step % 70 === 20) lab.cluster.partition([lab.ids.slice(0, 2), lab.ids.slice(2)]);
        if (step % 70 === 50) lab.cluster.heal();
        for (const write of writes) {
          const reply = lab.cluster.reply(write.id);
          if (reply?.result.type === 'ok' && inFlight.has(write.value)) {
            inFlight.delete(write.value);
            acknowledged = { value: write.value, atMs: lab.cluster.nowMs };
          }
        }
        const target = lab.ids[random.int(5)]!;
        if (!lab.cluster.isUp(target)) continue;
        if (random.chance(0.5)) {
          const value = `w${seed}-${step}`;
          inFlight.add(value);
          writes.push({ id: lab.cluster.submit(target, { f: 'write', key: 'k', value }, policy), value });
        } else {
          // A read may see the latest acknowledged write or any write still in flight (it may have taken effect).
          reads.push({ id: lab.cluster.submit(target, { f: 'read', key: 'k' }, policy), atMs: lab.cluster.nowMs, floor: acknowledged?.value ?? null, allowed: new Set(inFlight) });
        }
      }
      let served = 0;
      for (const read of reads) {
        const reply = lab.cluster.reply(read.id);
        if (reply?.result.type !== 'ok') continue;
        served++;
        const value = reply.result.value ?? null;
        if (value === read.floor || (value !== null && read.allowed.has(value))) continue;
        // Otherwise it must be a write acknowledged after the read was issued (it overlapped).
        const index = writes.findIndex((write) => write.value === value);
        const floorIndex = writes.findIndex((write) => write.value === read.floor);
        expect(index, `seed ${seed}: read at ${read.atMs} ms saw ${value}, older than ${read.floor}`).toBeGreaterThan(floorIndex);
      }
      expect(served).toBeGreaterThan(0);
    }
  });
});
