/**
 * Write ack `local` at the replica level (ARCHITECTURE §5, AP), the same script for Raft and VR on the
 * simulator: any replica acknowledges at once and shows the write in its local view, forwards it
 * into the log until it is applied, and the log merges last-writer-wins; leader-stamped writes
 * always beat what came before them in the log, so CP keeps its meaning next to AP writes.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId, RequestId } from '../../src/base/ids';
import { type ConsistencyPolicy, type KvCommand, policyAp, policyCp } from '../../src/kv/command';
import { raftProtocol } from '../../src/protocol/raft';
import { raftSettingsDefault, vrSettingsDefault } from '../../src/protocol/settings';
import { vrProtocol } from '../../src/protocol/vr';
import { SimCluster } from '../../src/sim/cluster';

const protocols = {
  raft: { protocol: raftProtocol, settings: raftSettingsDefault },
  vr: { protocol: vrProtocol, settings: vrSettingsDefault },
} as const;

function makeCluster(name: keyof typeof protocols, seed: number): SimCluster<unknown> {
  const { protocol, settings } = protocols[name];
  return new SimCluster<unknown>({
    protocol: protocol as never,
    nodes: 3,
    seed,
    tickMs: 10,
    settings,
    network: { latencyMs: { distribution: 'uniform', min: 1, max: 5 } },
    unsafe: [],
    fsyncMs: 0,
    onInvariantBroken: 'throw',
  } as never);
}

function leaderOf(cluster: SimCluster<unknown>): NodeId {
  expect(cluster.runUntil(() => cluster.ids.some((id) => cluster.view(id)?.role === 'leader' || cluster.view(id)?.role === 'primary'), 3000)).toBe(true);
  cluster.runFor(100); // let the leader's first entry commit everywhere
  return cluster.ids.find((id) => cluster.view(id)?.role === 'leader' || cluster.view(id)?.role === 'primary') as NodeId;
}

const write = (value: string, key = 'k'): KvCommand => ({ f: 'write', key, value });
const read = (key = 'k'): KvCommand => ({ f: 'read', key });
const localRead: ConsistencyPolicy = { write: 'quorum', read: 'local' };

/** Submits a request and lets the reply come back (replies are simulator events). */
function ask(cluster: SimCluster<unknown>, at: NodeId, command: KvCommand, policy: ConsistencyPolicy) {
  const id: RequestId = cluster.submit(at, command, policy);
  cluster.runFor(2);
  return cluster.reply(id)?.result;
}

function valueRead(cluster: SimCluster<unknown>, at: NodeId, key = 'k'): string | null | undefined {
  const result = ask(cluster, at, read(key), localRead);
  return result?.type === 'ok' ? result.value : undefined;
}

describe.each(['raft', 'vr'] as const)('%s: local writes', (name) => {
  it('a cut-off follower acknowledges at once, shows the write in its own local reads only, and forwards it after the heal', () => {
    const cluster = makeCluster(name, 41);
    const leader = leaderOf(cluster);
    const follower = cluster.ids.find((id) => id !== leader) as NodeId;
    const other = cluster.ids.find((id) => id !== leader && id !== follower) as NodeId;
    cluster.disconnect(follower);
    expect(ask(cluster, follower, write('mine'), policyAp)).toEqual({ type: 'ok' });
    expect(valueRead(cluster, follower)).toBe('mine');
    cluster.runFor(500);
    expect(valueRead(cluster, other)).toBeNull();
    expect(cluster.replica(leader)?.keyValues().get('k')).toBeUndefined();
    expect(cluster.replica(follower)?.keyValues().get('k')).toBe('mine'); // its local view, overlay included
    cluster.connect(follower);
    cluster.runFor(1500);
    for (const node of cluster.ids) expect(cluster.replica(node)?.keyValues().get('k')).toBe('mine');
    expect(valueRead(cluster, other)).toBe('mine');
  });

  it('forwarded again and again until applied, a local write is applied once', () => {
    const cluster = makeCluster(name, 42);
    const leader = leaderOf(cluster);
    const follower = cluster.ids.find((id) => id !== leader) as NodeId;
    cluster.disconnect(follower);
    cluster.submit(follower, write('once'), policyAp);
    cluster.runFor(1000); // many forward attempts while cut off; none arrive
    cluster.connect(follower);
    cluster.runFor(1500);
    const applied = [...Array(200).keys()].flatMap((index) => [...cluster.appliedAt(index + 1).values()]).filter((digest) => digest.includes(':write:k@'));
    expect(new Set(applied).size).toBe(1);
  });

  it('a quorum write after a far-future local stamp still takes effect: the leader stamps above every earlier entry', () => {
    const cluster = makeCluster(name, 43);
    const leader = leaderOf(cluster);
    const follower = cluster.ids.find((id) => id !== leader) as NodeId;
    cluster.setClock(follower, { offsetMs: 60_000 }); // a minute ahead
    cluster.submit(follower, write('future'), policyAp);
    cluster.runFor(300);
    for (const node of cluster.ids) expect(cluster.replica(node)?.keyValues().get('k')).toBe('future');
    const quorum = cluster.submit(leader, write('quorum'), policyCp);
    cluster.runFor(300);
    expect(cluster.reply(quorum)?.result).toEqual({ type: 'ok' });
    for (const node of cluster.ids) expect(cluster.replica(node)?.keyValues().get('k')).toBe('quorum');
  });

  it('a local write from a slow clock loses to an earlier applied write with a later stamp, and converges there', () => {
    const cluster = makeCluster(name, 44);
    const leader = leaderOf(cluster);
    const follower = cluster.ids.find((id) => id !== leader) as NodeId;
    cluster.setClock(follower, { offsetMs: -60_000 }); // a minute behind
    cluster.disconnect(follower);
    const quorum = cluster.submit(leader, write('first'), policyCp);
    cluster.runFor(300);
    expect(cluster.reply(quorum)?.result).toEqual({ type: 'ok' });
    expect(ask(cluster, follower, write('stale-clock'), policyAp)).toEqual({ type: 'ok' });
    expect(valueRead(cluster, follower)).toBe('stale-clock'); // its own view has not seen 'first' yet
    cluster.connect(follower);
    cluster.runFor(1500);
    for (const node of cluster.ids) expect(cluster.replica(node)?.keyValues().get('k')).toBe('first');
  });

  it('a local cas is decided against the accepting replica\'s local view', () => {
    const cluster = makeCluster(name, 45);
    const leader = leaderOf(cluster);
    const follower = cluster.ids.find((id) => id !== leader) as NodeId;
    cluster.disconnect(follower);
    cluster.submit(follower, write('a'), policyAp);
    expect(ask(cluster, follower, { f: 'cas', key: 'k', from: 'a', to: 'b' }, policyAp)).toEqual({ type: 'ok' });
    expect(ask(cluster, follower, { f: 'cas', key: 'k', from: 'a', to: 'c' }, policyAp)).toEqual({ type: 'fail', reason: 'cas-mismatch' });
    cluster.connect(follower);
    cluster.runFor(1500);
    for (const node of cluster.ids) expect(cluster.replica(node)?.keyValues().get('k')).toBe('b');
  });
});
