import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabEvent, SwarmSeedOutcome } from '../../src/contract/lab';
import { setLabHost } from '../../renderer/lab/labHost';
import { useExperimentStore } from '../../renderer/stores/experiment';
import { useRunStore } from '../../renderer/stores/run';
import { swarmOutcomesFailuresFirst, useSwarmStore } from '../../renderer/stores/swarm';
import { type FakeAnswers, fakeLabHost } from './fakeLabHost';

const manifest = 'name: swarm-raft-4\nprotocol: raft\nnodes: 5\nseed: 4\n';

function fakeLab() {
  const going = new Set<string>();
  const answers: FakeAnswers = {
    startSwarm: (request) => {
      going.add(String(request.swarmId));
      return { swarmId: request.swarmId, seeds: request.seeds };
    },
    cancelSwarm: (request) => ({ cancelled: going.delete(String(request.swarmId)) }),
    shrinkSwarmSeed: (request) => ({ yaml: `name: swarm-raft-${String(request.seed)}-shrunk\nprotocol: raft\n`, faultsBefore: 40, faultsAfter: 3, runs: 77 }),
    validateExperiment: (request) => ({ ok: true, problems: [], experiment: { name: String(request.source).replace('.yaml', ''), title: 'Swarm seed', protocol: 'raft', nodes: 5, seed: 4, consistency: 'cp' } }),
  };
  const { host, calls, emit } = fakeLabHost(answers);
  return { host, calls, progress: (payload: LabEvent<'swarmProgress'>) => emit('swarmProgress', payload) };
}

function outcome(seed: number, failure: 'safety' | 'liveness' | null, undecidedKeys = 0): SwarmSeedOutcome {
  return {
    seed,
    passed: failure === null,
    failure,
    safety: failure === 'safety' ? ['invariant broken: leader completeness'] : [],
    liveness: failure === 'liveness' ? ['replicas down at the end: n2'] : [],
    ops: { ok: 10, fail: 0, info: 1 },
    traceSha256: `sha-${seed}`,
    undecidedKeys,
    ...(failure === null ? {} : { manifest, reproduce: `npx caplab swarm --protocol raft --seeds 1 --first-seed ${seed} --unsafe commitPriorTermByCount` }),
  };
}

let fake: ReturnType<typeof fakeLab>;
beforeEach(() => {
  setActivePinia(createPinia());
  fake = fakeLab();
  setLabHost(fake.host);
});

describe('useSwarmStore (issue 18)', () => {
  it('offers only the protocol’s switches, starts the swarm with them, counts safety and liveness failures apart', async () => {
    const swarm = useSwarmStore();
    swarm.toggleSwitch('commitPriorTermByCount');
    swarm.toggleSwitch('startViewWithOwnLog');
    expect(swarm.unsafe).toEqual(['commitPriorTermByCount']);
    swarm.setProtocol('vr');
    expect(swarm.unsafe).toEqual([]);
    expect(swarm.switchesOffered).toContain('startViewWithOwnLog');
    swarm.setProtocol('raft');
    swarm.toggleSwitch('commitPriorTermByCount');
    swarm.seedCount = 4;
    swarm.firstSeed = 3;
    expect(await swarm.start()).toBe(true);
    expect(fake.calls.at(-1)).toEqual({ call: 'startSwarm', request: { protocol: 'raft', unsafe: ['commitPriorTermByCount'], firstSeed: 3, seeds: 4, swarmId: 'swarm-1' } });
    expect(swarm.status).toBe('running');
    fake.progress({ swarmId: 'swarm-1', done: 2, total: 4, outcomes: [outcome(4, 'safety'), outcome(3, null)], finished: false, cancelled: false });
    fake.progress({ swarmId: 'other', done: 1, total: 1, outcomes: [outcome(9, 'safety')], finished: true, cancelled: false });
    fake.progress({ swarmId: 'swarm-1', done: 4, total: 4, outcomes: [outcome(6, 'liveness'), outcome(5, null, 2), outcome(4, 'safety')], finished: true, cancelled: false });
    expect(swarm.status).toBe('finished');
    expect(swarm.totals).toEqual({ reported: 4, passed: 2, safety: 1, liveness: 1, failingSeeds: [4, 6], undecidedSeeds: [5] });
    expect(swarm.sortedOutcomes.map((o) => o.seed)).toEqual([4, 6, 3, 5]);
  });

  it('cancels; the last event says cancelled with the seeds done', async () => {
    const swarm = useSwarmStore();
    await swarm.start();
    await swarm.cancel();
    expect(fake.calls.at(-1)).toEqual({ call: 'cancelSwarm', request: { swarmId: 'swarm-1' } });
    expect(swarm.status).toBe('cancelling');
    fake.progress({ swarmId: 'swarm-1', done: 1, total: 20, outcomes: [outcome(1, null)], finished: true, cancelled: true });
    expect(swarm.status).toBe('cancelled');
    expect(swarm.totals.reported).toBe(1);
  });

  it('opens a failing seed’s manifest in a fresh lab in the simulator, and shrinks a seed once', async () => {
    const swarm = useSwarmStore();
    await swarm.start();
    fake.progress({ swarmId: 'swarm-1', done: 1, total: 1, outcomes: [outcome(4, 'safety')], finished: true, cancelled: false });
    expect(await swarm.openSeedInLab(4)).toBe(true);
    expect(fake.calls.find((call) => call.call === 'validateExperiment')?.request).toEqual({ text: manifest, source: 'swarm-raft-4.yaml' });
    expect(useExperimentStore().chosen?.name).toBe('swarm-raft-4');
    expect(useRunStore().runtime).toBe('sim');
    expect(await swarm.openSeedInLab(99)).toBe(false);
    const shrunk = await swarm.shrink(4);
    expect(shrunk).toMatchObject({ faultsBefore: 40, faultsAfter: 3 });
    await swarm.shrink(4);
    expect(fake.calls.filter((call) => call.call === 'shrinkSwarmSeed')).toEqual([{ call: 'shrinkSwarmSeed', request: { protocol: 'raft', unsafe: [], seed: 4 } }]);
    expect(await swarm.openShrunkInLab(4)).toBe(true);
    expect(useExperimentStore().chosen?.name).toBe('swarm-raft-4-shrunk');
  });

  it('a seed range the lab would refuse is refused here, naming the swarm', async () => {
    const swarm = useSwarmStore();
    swarm.seedCount = 0;
    expect(await swarm.start()).toBe(false);
    expect(swarm.error).toMatch(/Swarm at least 1 seed/);
    expect(fake.calls).toEqual([]);
    expect(swarmOutcomesFailuresFirst([outcome(2, null), outcome(1, 'liveness'), outcome(3, 'safety')]).map((o) => o.seed)).toEqual([3, 1, 2]);
  });
});
