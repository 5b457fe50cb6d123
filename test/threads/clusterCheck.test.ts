// Cluster-wide invariants in the live runtime (ARCHITECTURE §6): the protocols' own cluster checkers
// run over images of replicas that live in other threads. The images are checked first without
// threads (a real Raft and VR cluster from the simulator, whole and with one committed entry
// changed), then end to end: a worker whose log is corrupted is caught by a live run.
import { describe, expect, it } from 'vitest';
import { type NodeId, nodeIds } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import { validateExperiment } from '../../src/experiment/schema';
import { raftProtocol } from '../../src/protocol/raft';
import type { ProtocolDefinition } from '../../src/protocol/replica';
import { raftSettingsDefault, vrSettingsDefault } from '../../src/protocol/settings';
import { vrProtocol } from '../../src/protocol/vr';
import { SimCluster } from '../../src/sim/cluster';
import { LiveClusterCheck } from '../../main/lab/clusterCheck';
import { ThreadsRun } from '../../main/lab/threadsRun';
import { replicaImage } from '../../workers/replica.worker';
import { corruptingNode } from './corruptingProtocol';
// The worker loads it as the app loads its entries: bundled (bin/modulePath.cjs), not as TypeScript.
import corruptingProtocolModule from './corruptingProtocol?modulePath';

/* eslint-disable @typescript-eslint/no-explicit-any -- the tests reach into images, which are untyped by nature */
const cases = [
  { name: 'raft', protocol: raftProtocol as ProtocolDefinition<any, any, any, any>, settings: raftSettingsDefault, leads: 'leader' },
  { name: 'vr', protocol: vrProtocol as ProtocolDefinition<any, any, any, any>, settings: vrSettingsDefault, leads: 'primary' },
] as const;

describe.each(cases)('images of a $name cluster', ({ protocol, settings, leads }) => {
  /** A 3-node cluster that committed 20 writes, and a checker for its images. */
  function committedCluster() {
    const cluster = new SimCluster({ protocol, nodes: 3, seed: 4, tickMs: 10, settings });
    cluster.runFor(1500);
    const ids = nodeIds(3);
    const leader = ids.find((id) => cluster.replica(id)?.view().role === leads) as NodeId;
    expect(leader).toBeDefined();
    for (let i = 0; i < 20; i++) cluster.submit(leader, { f: 'write', key: `k${i % 3}`, value: `v${i}` });
    cluster.runFor(1000);
    const replicas = ids.map((id) => cluster.replica(id));
    const check = new LiveClusterCheck(protocol, { id: ids[0] as NodeId, replicas: ids, settings, tickMs: 10, prng: prngStream(1, 'sample'), disk: null, incarnation: 0, unsafe: new Set(), localClockUs: () => 0 });
    /** What a worker would post: the image, through structured cloning. */
    const images = () => replicas.map((replica) => structuredClone(replicaImage(replica)) as any);
    return { replicas, check, images };
  }

  it('rebuild replicas the protocol checker reads as it reads the simulator\'s, and find nothing broken', () => {
    const { replicas, check, images } = committedCluster();
    expect(replicas.every((replica) => (replica?.view().commitIndex ?? 0) >= 20)).toBe(true);
    expect(check.check(images())).toEqual([]);
    expect(check.check(images())).toEqual([]); // the checker remembers what it saw, as in the simulator
    expect(check.checkCount).toBe(2);
  });

  it('show a committed entry that changed on one replica', () => {
    const { check, images } = committedCluster();
    expect(check.check(images())).toEqual([]);
    const changed = images();
    const entries = changed[2].log.entries as any[];
    const position = entries.findIndex((entry) => entry.command !== null);
    entries[position] = { ...entries[position], command: { ...entries[position].command, sequence: entries[position].command.sequence + 1_000_000 } };
    const problems = check.check(changed);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(/n3/);
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
