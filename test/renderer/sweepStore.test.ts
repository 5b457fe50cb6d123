import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabEvent, SweepSeedOutcome } from '../../src/contract/lab';
import { setLabHost } from '../../renderer/lab/labHost';
import { type FakeAnswers, fakeLabHost } from './fakeLabHost';
import type { ChosenExperiment } from '../../renderer/stores/experiment';
import { useRunStore } from '../../renderer/stores/run';
import { outcomesFailuresFirst, seedRangeProblem, sweepTotalsOf, useSweepStore } from '../../renderer/stores/sweep';

/** A fake lab for sweeps: records calls, answers like the service, and lets the test push progress events. */
function fakeLab() {
  const going = new Set<string>();
  let refuseStart: string | null = null;
  const answers: FakeAnswers = {
    startSweep: (request) => {
      if (refuseStart !== null) throw new Error(refuseStart);
      going.add(String(request.sweepId));
      return { sweepId: request.sweepId, seeds: request.seeds };
    },
    cancelSweep: (request) => ({ cancelled: going.delete(String(request.sweepId)) }),
    startRun: () => ({ runId: 'run-1', nodes: ['n1', 'n2', 'n3'] }),
  };
  const { host, calls, emit } = fakeLabHost(answers);
  const progress = (payload: LabEvent<'sweepProgress'>) => emit('sweepProgress', payload);
  return { host, calls, progress, refuse: (message: string | null) => (refuseStart = message) };
}

const experiment: ChosenExperiment = { name: 'raft-healthy', title: 'Healthy', description: '', protocol: 'raft', consistency: 'cp', nodes: 5, seed: 7, text: 'name: raft-healthy\nprotocol: raft', source: 'raft-healthy.yaml' };
const other: ChosenExperiment = { ...experiment, name: 'vr-view-change', title: 'VR', protocol: 'vr', seed: 2, text: 'name: vr-view-change\nprotocol: vr', source: 'vr-view-change.yaml' };

/** An outcome as the lab reports it; a failing one has a linearizability violation and the expect line it broke. */
function outcome(seed: number, passed: boolean): SweepSeedOutcome {
  return {
    seed,
    passed,
    ops: { ok: 100 + seed, fail: 1, info: 2 },
    availability: 0.97,
    violations: { linearizability: passed ? 0 : 1, staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0, divergence: 0 },
    linearizabilityUnknownKeys: 0,
    invariantsBroken: [],
    faultModelExceeded: false,
    expectationsFailed: passed ? [] : ['violations.linearizability == 0 (actual 1)'],
    traceSha256: `sha-${seed}`,
  };
}

let fake: ReturnType<typeof fakeLab>;
beforeEach(() => {
  setActivePinia(createPinia());
  fake = fakeLab();
  setLabHost(fake.host);
});

describe('useSweepStore', () => {
  it('sweeps the open experiment, counts only the outcomes received, failures first', async () => {
    const sweep = useSweepStore();
    sweep.prepare(experiment);
    expect([sweep.firstSeed, sweep.protocol]).toEqual([7, 'raft']);
    sweep.seedCount = 4;
    expect(await sweep.start()).toBe(true);
    const request = fake.calls.find((call) => call.call === 'startSweep')?.request;
    expect(request).toEqual({ text: experiment.text, source: experiment.source, protocol: 'raft', firstSeed: 7, seeds: 4, sweepId: sweep.sweepId });
    expect(sweep.status).toBe('running');

    const sweepId = sweep.sweepId as string;
    // Another sweep's event is not this one's.
    fake.progress({ sweepId: 'sweep-other', done: 1, total: 9, outcomes: [outcome(99, false)], finished: false, cancelled: false });
    expect(sweep.outcomes).toHaveLength(0);
    fake.progress({ sweepId, done: 2, total: 4, outcomes: [outcome(8, true), outcome(7, false)], finished: false, cancelled: false });
    expect(sweep.totals).toEqual({ reported: 2, passed: 1, failed: 1, failingSeeds: [7] });
    // A seed reported twice is counted once.
    fake.progress({ sweepId, done: 4, total: 4, outcomes: [outcome(10, false), outcome(9, true), outcome(8, true)], finished: true, cancelled: false });
    expect(sweep.status).toBe('finished');
    expect(sweep.totals).toEqual({ reported: 4, passed: 2, failed: 2, failingSeeds: [7, 10] });
    expect(sweep.sortedOutcomes.map((each) => [each.seed, each.passed])).toEqual([[7, false], [10, false], [8, true], [9, true]]);
    expect(sweep.outcomesMissing).toBe(0);
  });

  it('says when the lab reports more seeds done than outcomes arrived, and does not count them', async () => {
    const sweep = useSweepStore();
    sweep.prepare(experiment);
    sweep.seedCount = 3;
    await sweep.start();
    fake.progress({ sweepId: sweep.sweepId as string, done: 3, total: 3, outcomes: [outcome(7, true)], finished: true, cancelled: false });
    expect(sweep.totals.reported).toBe(1);
    expect(sweep.outcomesMissing).toBe(2);
  });

  it('cancel: asks the lab, then takes the last event as cancelled with the seeds done so far', async () => {
    const sweep = useSweepStore();
    sweep.prepare(experiment);
    sweep.seedCount = 50;
    await sweep.start();
    const sweepId = sweep.sweepId as string;
    fake.progress({ sweepId, done: 1, total: 50, outcomes: [outcome(7, true)], finished: false, cancelled: false });
    await sweep.cancel();
    expect(fake.calls.at(-1)).toEqual({ call: 'cancelSweep', request: { sweepId } });
    expect(sweep.status).toBe('cancelling');
    fake.progress({ sweepId, done: 2, total: 50, outcomes: [outcome(8, false)], finished: true, cancelled: true });
    expect(sweep.status).toBe('cancelled');
    expect(sweep.totals).toEqual({ reported: 2, passed: 1, failed: 1, failingSeeds: [8] });
    expect(sweep.isGoing).toBe(false);
  });

  it('a sweep stopped by an error says so', async () => {
    const sweep = useSweepStore();
    sweep.prepare(experiment);
    await sweep.start();
    fake.progress({ sweepId: sweep.sweepId as string, done: 0, total: 20, outcomes: [], finished: true, cancelled: false, error: 'seed 9 could not run: out of memory' });
    expect(sweep.status).toBe('failed');
    expect(sweep.error).toBe('The sweep stopped: seed 9 could not run: out of memory');
  });

  it('refuses a bad seed range without calling the lab, and reports a refused start', async () => {
    const sweep = useSweepStore();
    sweep.prepare(experiment);
    sweep.seedCount = 0;
    expect(await sweep.start()).toBe(false);
    expect(sweep.error).toBe('Sweep at least 1 seed (a whole number)');
    sweep.seedCount = 1001;
    expect(await sweep.start()).toBe(false);
    expect(sweep.error).toContain('at most 1000 seeds');
    expect(fake.calls).toHaveLength(0);
    expect(sweep.status).toBe('idle');

    sweep.seedCount = 5;
    fake.refuse('startSweep: 4 sweeps are going already; wait for one to finish or cancel one');
    expect(await sweep.start()).toBe(false);
    expect(sweep.status).toBe('idle');
    expect(sweep.error).toBe('Could not start the sweep: startSweep: 4 sweeps are going already; wait for one to finish or cancel one');
  });

  it('opens a failing seed in the lab: same experiment and protocol, that seed, the simulator', async () => {
    const sweep = useSweepStore();
    const run = useRunStore();
    sweep.prepare(experiment);
    sweep.protocol = 'vr';
    await sweep.start();
    fake.progress({ sweepId: sweep.sweepId as string, done: 1, total: 20, outcomes: [outcome(12, false)], finished: false, cancelled: false });
    // The inputs may change after the start; the seed opens with what was swept.
    sweep.protocol = 'raft';
    run.prepare(other);
    expect(await sweep.openSeedInLab(12)).toBe(true);
    expect(run.experiment).toBe(experiment);
    expect([run.seed, run.protocol, run.runtime]).toEqual([12, 'vr', 'sim']);

    await run.start();
    expect(await sweep.openSeedInLab(12)).toBe(false);
    expect(sweep.error).toBe('A run is going in the lab; stop it before opening seed 12');
  });

  it('takes a newly opened experiment’s seed and protocol, but not while a sweep goes', async () => {
    const sweep = useSweepStore();
    sweep.prepare(experiment);
    sweep.firstSeed = 100;
    sweep.prepare(experiment);
    expect(sweep.firstSeed).toBe(100);
    await sweep.start();
    sweep.prepare(other);
    expect(sweep.experiment).toBe(experiment);
    fake.progress({ sweepId: sweep.sweepId as string, done: 20, total: 20, outcomes: [], finished: true, cancelled: false });
    sweep.prepare(other);
    expect([sweep.experiment?.name, sweep.firstSeed, sweep.protocol]).toEqual(['vr-view-change', 2, 'vr']);
  });
});

describe('sweep helpers', () => {
  it('totals and order come from the outcomes alone', () => {
    expect(sweepTotalsOf([])).toEqual({ reported: 0, passed: 0, failed: 0, failingSeeds: [] });
    expect(outcomesFailuresFirst([outcome(3, true), outcome(2, false), outcome(1, true)]).map((each) => each.seed)).toEqual([2, 1, 3]);
  });

  it('names what is wrong with a seed range', () => {
    expect(seedRangeProblem(1, 10)).toBeNull();
    expect(seedRangeProblem(-1, 10)).toContain('first seed');
    expect(seedRangeProblem(1.5, 10)).toContain('first seed');
    expect(seedRangeProblem(0, 2.5)).toContain('at least 1 seed');
    expect(seedRangeProblem(Number.MAX_SAFE_INTEGER, 2)).toContain('too large');
  });
});
