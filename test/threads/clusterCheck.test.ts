// Cluster-wide invariants in the live runtime (ARCHITECTURE §6): the check runs over the plain safety
// facts each protocol exports for replicas that live in other threads. The facts are checked first
// without threads (a real Raft, VR and Multi-Paxos cluster from the simulator, whole and with one
// committed entry changed), then end to end: a worker whose log is corrupted is caught by a live run.
import { describe, expect, it } from 'vitest';
import { type NodeId, nodeIds } from '../../src/base/ids';
import { validateExperiment } from '../../src/experiment/schema';
import { raftProtocol } from '../../src/protocol/raft';
import type { ProtocolDefinition } from '../../src/protocol/replica';
import { paxosSettingsDefault, raftSettingsDefault, vrSettingsDefault } from '../../src/protocol/settings';
import { paxosProtocol } from '../../src/protocol/paxos';
import { vrProtocol } from '../../src/protocol/vr';
import { SimCluster } from '../../src/sim/cluster';
import { LiveClusterCheck } from '../../main/lab/clusterCheck';
import { ThreadsRun } from '../../main/lab/threadsRun';
import { safetyFactsSchema } from '../../src/contract/worker';
import { corruptingNode } from './corruptingProtocol';
// The worker loads it as the app loads its entries: bundled (bin/modulePath.cjs), not as TypeScript.
import corruptingProtocolModule from './corruptingProtocol?modulePath';

/* eslint-disable @typescript-eslint/no-explicit-any -- one table over three protocols' definitions */
const cases = [
  { name: 'raft', protocol: raftProtocol as ProtocolDefinition<any, any, any, any>, settings: raftSettingsDefault, leads: 'leader' },
  { name: 'vr', protocol: vrProtocol as ProtocolDefinition<any, any, any, any>, settings: vrSettingsDefault, leads: 'primary' },
  { name: 'paxos', protocol: paxosProtocol as ProtocolDefinition<any, any, any, any>, settings: paxosSettingsDefault, leads: 'leader' },
] as const;

describe.each(cases)('safety facts of a $name cluster', ({ protocol, settings, leads }) => {
  /** A 3-node cluster that committed 20 writes, and a checker for its facts. */
  function committedCluster() {
    const cluster = new SimCluster({ protocol, nodes: 3, seed: 4, tickMs: 10, settings });
    cluster.runFor(1500);
    const ids = nodeIds(3);
    const leader = ids.find((id) => cluster.replica(id)?.view().role === leads) as NodeId;
    expect(leader).toBeDefined();
    for (let i = 0; i < 20; i++) cluster.submit(leader, { f: 'write', key: `k${i % 3}`, value: `v${i}` });
    cluster.runFor(1000);
    const replicas = ids.map((id) => cluster.replica(id));
    const check = new LiveClusterCheck();
    /** What a worker would post: the facts, through structured cloning, parsed as the main process parses them. */
    const facts = () => replicas.map((replica) => safetyFactsSchema.parse(structuredClone(protocol.safetyFacts(replica as NonNullable<typeof replica>))));
    return { replicas, check, facts };
  }

  it('carry every committed entry as plain data, and show nothing broken', () => {
    const { replicas, check, facts } = committedCluster();
    expect(replicas.every((replica) => (replica?.view().commitIndex ?? 0) >= 20)).toBe(true);
    const first = facts();
    expect(first.every((fact) => fact.committedFrom + fact.committed.length - 1 === fact.commitIndex)).toBe(true);
    expect(first.filter((fact) => fact.leads)).toHaveLength(1);
    expect(check.check(first)).toEqual([]);
    expect(check.check(facts())).toEqual([]); // the checker remembers what it saw, as in the simulator
    expect(check.checkCount).toBe(2);
  });

  it('show a committed entry that changed on one replica', () => {
    const { check, facts } = committedCluster();
    expect(check.check(facts())).toEqual([]);
    const changed = facts();
    const n3 = changed[2] as (typeof changed)[number];
    const position = n3.committed.findIndex((digest) => digest !== 'noop');
    n3.committed[position] = `${n3.committed[position]}-changed`;
    const problems = check.check(changed);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(/committed entries differ at index \d+: n\d committed .*, n3 holds/);
  });

  it('show two leaders of one era', () => {
    const { check, facts } = committedCluster();
    const twoLeaders = facts().map((fact) => ({ ...fact, leads: true }));
    if (protocol.name === 'paxos') for (const fact of twoLeaders) Object.assign(fact, { era: '1.n1' });
    else for (const fact of twoLeaders) Object.assign(fact, { era: twoLeaders[0]?.era });
    expect(check.check(twoLeaders).join('\n')).toMatch(/election safety: n\d and n\d both led (term|view|ballot) /);
  });
});

describe('a live run whose replica corrupts its log', () => {
  it('reports the broken cluster invariant and says the check was sampled', async () => {
    const experiment = validateExperiment({ protocol: 'raft', durationMs: 3500, workload: { clients: 4, ratePerSec: 100 } });
    const run = new ThreadsRun(experiment, { timeScale: 3, clusterCheckEveryMs: 400, protocolModule: corruptingProtocolModule });
    const { summary } = await run.run();
    const problems = summary.invariantsBroken.join('\n');
    // n3 rewrote a committed entry at about 2 s: the cluster checker compares its log with the others'.
    expect(problems).toMatch(/committed entries differ|log matching/);
    expect(problems).toContain(corruptingNode);
    expect(summary.clusterInvariants?.checked).toBe('sampled');
    expect(summary.clusterInvariants?.everyMs).toBe(400); // above the 100 wall ms × time scale 3 floor
    expect(summary.clusterInvariants?.checkCount ?? 0).toBeGreaterThan(5);
  }, 20_000);
});
