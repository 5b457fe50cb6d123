import { afterAll, describe, expect, it } from 'vitest';
import { type LabEvent, labEvents } from '../../src/contract/lab';
import { databaseProfiles, guaranteeExperiment, guaranteeScenarios, guaranteesTable, guaranteesTableOf, observationOf } from '../../src/experiment/guarantees';
import { runExperiment } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import { LabService } from '../../main/service/labService';
import { nodeRunOptions } from '../../workers/runOptions';

// The Guarantees screen's call through the lab service (ARCHITECTURE §11): the table's runs in the
// sweep pool (main/guaranteesRun.ts, the runner `caplab guarantees` uses), progress as events, bad
// input refused naming the field with nothing started, and cancel.

const service = new LabService();
const events: Array<LabEvent<'guaranteesProgress'>> = [];
service.subscribe((event, payload) => {
  if (event === 'guaranteesProgress') events.push(payload as LabEvent<'guaranteesProgress'>);
});
afterAll(async () => {
  await service.close();
});

function ended(guaranteesId: string): Promise<Array<LabEvent<'guaranteesProgress'>>> {
  return new Promise((done) => {
    const unsubscribe = service.subscribe((event, payload) => {
      const progress = payload as LabEvent<'guaranteesProgress'>;
      if (event !== 'guaranteesProgress' || progress.guaranteesId !== guaranteesId || !progress.finished) return;
      unsubscribe();
      done(events.filter((candidate) => candidate.guaranteesId === guaranteesId));
    });
  });
}

describe('startGuarantees', () => {
  it('refuses seeds out of range and an unknown profile, naming the field; nothing starts', async () => {
    await expect(service.call('startGuarantees', { guaranteesId: 'g-zero', seeds: 0 })).rejects.toThrow(/startGuarantees: invalid payload: seeds: must be at least 1 seed/);
    await expect(service.call('startGuarantees', { guaranteesId: 'g-many', seeds: 21 })).rejects.toThrow(/seeds: must be at most 20 seeds/);
    await expect(service.call('startGuarantees', { guaranteesId: 'g-half', seeds: 1.5 })).rejects.toThrow(/seeds: must be a whole number/);
    await expect(service.call('startGuarantees', { guaranteesId: 'g-unknown', seeds: 1, profiles: ['etcd-linearizable', 'cassandra-quorum'] })).rejects.toThrow(/profiles\.1: no profile "cassandra-quorum"; the profiles are etcd-linearizable, /);
    await expect(service.call('startGuarantees', { guaranteesId: 'g-none', seeds: 1, profiles: [] })).rejects.toThrow(/profiles: name at least one profile/);
    await expect(service.call('startGuarantees', { guaranteesId: 'Bad Id', seeds: 1 })).rejects.toThrow(/guaranteesId: must be a guarantees run id/);
    expect(service.guaranteesIdle).toBe(true);
    expect(events).toEqual([]);
    expect(await service.call('cancelGuarantees', { guaranteesId: 'g-zero' })).toEqual({ cancelled: false });
  });

  it('runs the chosen profiles through every scenario; each run is what a direct run of it shows', async () => {
    const done = ended('g-two');
    expect(await service.call('startGuarantees', { guaranteesId: 'g-two', seeds: 1, profiles: ['consul-stale', 'etcd-linearizable'] })).toEqual({ guaranteesId: 'g-two', runs: 2 * guaranteeScenarios.length });
    // One at a time: a second while the first goes is refused.
    await expect(service.call('startGuarantees', { guaranteesId: 'g-other', seeds: 1 })).rejects.toThrow('a guarantees run is going already');
    const progress = await done;
    let reported = 0;
    for (const event of progress) {
      reported += event.outcomes.length;
      expect(event.done).toBe(reported);
      expect(event.total).toBe(10);
      expect(event.cancelled).toBe(false);
      expect(event.error).toBeUndefined();
      expect(labEvents.guaranteesProgress.parse(event)).toEqual(event);
    }
    expect(progress.at(-1)?.finished).toBe(true);
    const observations = progress.flatMap((event) => event.outcomes);
    expect(observations.map((run) => `${run.profile}/${run.scenario}`).sort()).toEqual(['consul-stale', 'etcd-linearizable'].flatMap((profile) => guaranteeScenarios.map((scenario) => `${profile}/${scenario}`)).sort());

    // One run against the engine directly: the same anomalies, counted the same way.
    const profile = databaseProfiles.find((candidate) => candidate.name === 'consul-stale')!;
    const summary = runExperiment(validateExperiment({ ...guaranteeExperiment(profile, 'partition'), seed: 1 }, 'direct'), nodeRunOptions()).summary;
    const direct = observationOf({ profile: profile.name, scenario: 'partition', seed: 1, summary });
    expect(observations.find((run) => run.profile === 'consul-stale' && run.scenario === 'partition')).toEqual(direct);
    expect(guaranteesTableOf([direct], [profile])).toEqual(guaranteesTable([{ profile: profile.name, scenario: 'partition', seed: 1, summary }], [profile]));
    expect(service.guaranteesIdle).toBe(true);
  }, 240_000);

  it('cancel: no further run starts, the last event says cancelled', async () => {
    const done = ended('g-cancel');
    await service.call('startGuarantees', { guaranteesId: 'g-cancel', seeds: 20 });
    expect(await service.call('cancelGuarantees', { guaranteesId: 'g-cancel' })).toEqual({ cancelled: true });
    const progress = await done;
    const last = progress.at(-1);
    expect(last).toMatchObject({ finished: true, cancelled: true, total: databaseProfiles.length * guaranteeScenarios.length * 20 });
    expect(last?.done).toBeLessThan(10);
    expect(progress.flatMap((event) => event.outcomes)).toHaveLength(last?.done ?? -1);
    expect(service.guaranteesIdle).toBe(true);
  }, 60_000);
});
