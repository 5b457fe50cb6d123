import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setLabHost } from '../../renderer/lab/labHost';
import { type LinkState, useClusterStore } from '../../renderer/stores/cluster';
import { openChosenInLab } from '../../renderer/stores/freshLab';
import { describeLatency, experimentNetworkOf, latencyDefault, latencyFromFields, scopeSettings, useNetworkStore } from '../../renderer/stores/network';
import { describeFault, linkOfTarget, networkTargets, newFault } from '../../renderer/stores/faultSchedule';
import { useExperimentStore } from '../../renderer/stores/experiment';
import { useRunStore } from '../../renderer/stores/run';
import { type FakeAnswers, fakeLabHost } from './fakeLabHost';

const experimentNetwork = { latencyMs: { distribution: 'uniform', min: 1, max: 9 }, clientLatencyMs: { distribution: 'fixed', value: 0.5 }, drop: 0.05, duplicate: 0, reorder: 0 };

/** A fake lab: records every call and answers like the service; `refuse` makes setNetwork fail as the service would. */
function fakeLab() {
  const state = { refuse: null as string | null, links: [] as LinkState[] };
  const answers: FakeAnswers = {
    validateExperiment: () => ({ ok: true, experiment: { name: 'e', title: 'E', description: '', protocol: 'raft', consistency: 'cp', nodes: 3, seed: 1, network: experimentNetwork } }),
    startRun: () => ({ runId: 'run-1', nodes: ['n1', 'n2', 'n3'] }),
    runState: () => ({ runId: 'run-1', nowMs: 10, done: false, paused: false, consistency: 'cp', nodes: [], links: state.links, summary: null }),
    heal: () => ({ ok: true }),
    setNetwork: () => {
      if (state.refuse !== null) throw new Error(state.refuse);
      return { ok: true };
    },
  };
  const { host, calls } = fakeLabHost(answers);
  return { host, calls, state };
}

let fake: ReturnType<typeof fakeLab>;
beforeEach(() => {
  setActivePinia(createPinia());
  fake = fakeLab();
  setLabHost(fake.host);
});

/** A run of the fake experiment, started as the lab view starts one (the cluster reset from the experiment first). */
async function startedRun() {
  const experiments = useExperimentStore();
  expect(await experiments.openText('protocol: raft', 'e.yaml')).toBe(true);
  const run = useRunStore();
  expect(await openChosenInLab()).toBe(true);
  expect(await run.start()).toBe(true);
  return run;
}

const link = (from: string, to: string, faults: Partial<LinkState> = {}): LinkState => ({ from, to, cut: false, drop: 0, duplicate: 0, reorder: 0, latencyOverridden: false, ...faults });

describe('the latency editor checks what the experiment schema checks', () => {
  it('reads each distribution from its fields', () => {
    expect(latencyFromFields('fixed', { value: '80' })).toEqual({ spec: { distribution: 'fixed', value: 80 } });
    expect(latencyFromFields('uniform', { min: 2, max: '30' })).toEqual({ spec: { distribution: 'uniform', min: 2, max: 30 } });
    expect(latencyFromFields('normal', { mean: '10', stddev: '0' })).toEqual({ spec: { distribution: 'normal', mean: 10, stddev: 0 } });
    expect(latencyFromFields('lognormal', { median: '5', p99: '40' })).toEqual({ spec: { distribution: 'lognormal', median: 5, p99: 40 } });
    expect(latencyFromFields('exponential', { mean: ' 7.5 ' })).toEqual({ spec: { distribution: 'exponential', mean: 7.5 } });
  });

  it('names the field and the problem', () => {
    expect(latencyFromFields('uniform', { min: '30', max: '2' })).toEqual({ problem: 'Latency: needs 0 ≤ min ≤ max' });
    expect(latencyFromFields('uniform', { min: '', max: '2' })).toEqual({ problem: 'min (ms) is empty' });
    expect(latencyFromFields('fixed', { value: 'fast' })).toEqual({ problem: 'value (ms) must be a number, got "fast"' });
    expect(latencyFromFields('normal', { mean: '-1', stddev: '1' })).toEqual({ problem: 'mean (ms): must be ≥ 0 ms' });
    expect(latencyFromFields('lognormal', { median: '0', p99: '40' })).toEqual({ problem: 'median (ms): must be > 0 ms' });
    expect(latencyFromFields('lognormal', { median: '50', p99: '40' })).toEqual({ problem: 'Latency: needs 0 < median ≤ p99' });
  });

  it('says a latency in words', () => {
    expect(describeLatency({ distribution: 'uniform', min: 2, max: 30 })).toBe('uniform 2–30 ms');
    expect(describeLatency(latencyDefault)).toBe('lognormal median 5 ms, p99 40 ms');
  });
});

describe('what the Network panel shows for what it applies to', () => {
  const every = { drop: 0.1, duplicate: 0, reorder: 0 };
  const everyLatency = latencyDefault;
  const links = [link('n1', 'n2', { drop: 0.4 }), link('n2', 'n1', { drop: 0.1 }), link('n1', 'n3', { drop: 0.1, latencyOverridden: true }), link('n3', 'n1', { drop: 0.1 })];

  it('every link: what the app gave every link, whatever one link has', () => {
    expect(scopeSettings({ scope: null, every, everyLatency, links, linkLatency: {} })).toEqual({ ...every, latencyMs: everyLatency, directionsDiffer: false });
  });

  it('one link: its direction as the lab reports it, and the latency the app gave it or the network’s', () => {
    const fixed = { distribution: 'fixed', value: 80 } as const;
    expect(scopeSettings({ scope: { from: 'n1', to: 'n2' }, every, everyLatency, links, linkLatency: { 'n1>n2': fixed } })).toEqual({ drop: 0.4, duplicate: 0, reorder: 0, latencyMs: fixed, directionsDiffer: false });
    expect(scopeSettings({ scope: { from: 'n2', to: 'n1' }, every, everyLatency, links, linkLatency: {} }).latencyMs).toEqual(everyLatency);
    // A latency of its own that the app did not give it (the schedule did): not known, so not claimed.
    expect(scopeSettings({ scope: { from: 'n1', to: 'n3' }, every, everyLatency, links, linkLatency: {} }).latencyMs).toBeNull();
  });

  it('both ways: says when the two directions differ', () => {
    expect(scopeSettings({ scope: { between: ['n1', 'n2'] }, every, everyLatency, links, linkLatency: {} })).toMatchObject({ drop: 0.4, directionsDiffer: true });
    expect(scopeSettings({ scope: { between: ['n1', 'n3'] }, every, everyLatency, links, linkLatency: {} }).directionsDiffer).toBe(true);
    expect(scopeSettings({ scope: { between: ['n2', 'n3'] }, every, everyLatency, links: [link('n2', 'n3'), link('n3', 'n2')], linkLatency: {} }).directionsDiffer).toBe(false);
  });

  it('starts from the experiment’s network, or the schema’s defaults', () => {
    expect(experimentNetworkOf(experimentNetwork)).toEqual({ settings: { drop: 0.05, duplicate: 0, reorder: 0 }, latencyMs: experimentNetwork.latencyMs });
    expect(experimentNetworkOf(undefined)).toEqual({ settings: { drop: 0, duplicate: 0, reorder: 0 }, latencyMs: latencyDefault });
  });
});

describe('useClusterStore: network changes of every link or of one link', () => {
  it('a new run starts from the experiment’s latency and probabilities', async () => {
    await startedRun();
    const network = useNetworkStore();
    expect(network.latency).toEqual(experimentNetwork.latencyMs);
    expect(network.network).toEqual({ drop: 0.05, duplicate: 0, reorder: 0 });
  });

  it('a change of one link sends the link and leaves every link’s settings as they were; heal brings the experiment’s back', async () => {
    await startedRun();
    const network = useNetworkStore();
    const slow = { distribution: 'fixed', value: 120 } as const;
    expect(await network.setNetwork({ drop: 0.3 }, { from: 'n1', to: 'n2' })).toBe(true);
    expect(await network.setNetwork({ latencyMs: slow }, { between: ['n2', 'n3'] })).toBe(true);
    expect(fake.calls.filter((call) => call.call === 'setNetwork').map((call) => call.request)).toEqual([
      { runId: 'run-1', change: { drop: 0.3, link: { from: 'n1', to: 'n2' } } },
      { runId: 'run-1', change: { latencyMs: slow, link: { between: ['n2', 'n3'] } } },
    ]);
    // The sliders of every link do not claim what only one link got.
    expect(network.network).toEqual({ drop: 0.05, duplicate: 0, reorder: 0 });
    expect(network.latency).toEqual(experimentNetwork.latencyMs);
    expect(network.linksOwn).toEqual(['n1>n2', 'n2>n3', 'n3>n2']);
    expect(network.linkLatency).toEqual({ 'n2>n3': slow, 'n3>n2': slow });

    expect(await network.setNetwork({ latencyMs: { distribution: 'exponential', mean: 4 }, reorder: 0.2 })).toBe(true);
    expect(fake.calls.filter((call) => call.call === 'setNetwork').at(-1)?.request).toEqual({ runId: 'run-1', change: { latencyMs: { distribution: 'exponential', mean: 4 }, reorder: 0.2 } });
    expect(network.network).toEqual({ drop: 0.05, duplicate: 0, reorder: 0.2 });
    expect(network.latency).toEqual({ distribution: 'exponential', mean: 4 });

    await network.heal();
    expect(network.network).toEqual({ drop: 0.05, duplicate: 0, reorder: 0 });
    expect(network.latency).toEqual(experimentNetwork.latencyMs);
    expect(network.linksOwn).toEqual([]);
    expect(network.linkLatency).toEqual({});
  });

  it('a bad change is refused before it is sent, naming the field; the lab’s refusal is shown in the panel', async () => {
    await startedRun();
    const cluster = useClusterStore();
    const network = useNetworkStore();
    expect(await network.setNetwork({ drop: 0.3 }, { from: 'n2', to: 'n2' })).toBe(false);
    expect(network.networkError).toBe('Could not change the network of n2→n2: link.to: must differ from from (a link joins two replicas), got n2 twice');
    expect(await network.setNetwork({ latencyMs: { distribution: 'uniform', min: 9, max: 1 } })).toBe(false);
    expect(fake.calls.filter((call) => call.call === 'setNetwork')).toEqual([]);
    expect(network.networkError).toBe('Could not change the network of every link: latencyMs: needs 0 ≤ min ≤ max');

    fake.state.refuse = 'setNetwork: change.link names n7, but this run has nodes n1..n3';
    expect(await network.setNetwork({ drop: 0.3 }, { from: 'n1', to: 'n7' })).toBe(false);
    expect(network.networkError).toBe('Could not change the network of n1→n7: setNetwork: change.link names n7, but this run has nodes n1..n3');
    expect(cluster.error).toBeNull();
    expect(network.linksOwn).toEqual([]);

    fake.state.refuse = null;
    expect(await network.setNetwork({ drop: 0.3 }, { from: 'n1', to: 'n3' })).toBe(true);
    expect(network.networkError).toBeNull();
  });
});

describe('the fault schedule names network faults of one link', () => {
  it('describes them with their link, probabilities as percents and latency in words', () => {
    expect(describeFault({ atMs: 0, network: { drop: 0.3, link: { from: 'n1', to: 'n2' } } })).toBe('network n1→n2 drop 30%');
    expect(describeFault({ atMs: 0, network: { latencyMs: { distribution: 'fixed', value: 80 }, link: { between: ['n1', 'n3'] } } })).toBe('network n1↔n3 latency fixed 80 ms');
    expect(describeFault({ atMs: 0, network: { drop: 0.2, duplicate: 0.05 } })).toBe('network drop 20%, duplicate 5%');
  });

  it('offers every link, each pair both ways and each direction as targets, and adds the fault on the chosen link', () => {
    expect(networkTargets(3)).toEqual(['every link', 'n1↔n2', 'n1↔n3', 'n2↔n3', 'n1→n2', 'n1→n3', 'n2→n1', 'n2→n3', 'n3→n1', 'n3→n2']);
    expect(linkOfTarget('n3→n1')).toEqual({ from: 'n3', to: 'n1' });
    expect(linkOfTarget('every link')).toBeNull();
    expect(newFault('network', 5, 'n1↔n2')).toEqual({ atMs: 5, network: { drop: 0.2, link: { between: ['n1', 'n2'] } } });
    expect(newFault('network', 5, 'every link')).toEqual({ atMs: 5, network: { drop: 0.2 } });
  });
});
