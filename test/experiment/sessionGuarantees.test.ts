import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import { nativeTraceHasher } from '../../workers/runOptions';

// AP with a partition and random routing: reads go back in time, so "not checked" is not "holds".
const experiment = validateExperiment({
  protocol: 'raft',
  nodes: 5,
  durationMs: 4000,
  consistency: 'ap',
  workload: { clients: 8, ratePerSec: 200, keys: 2, routing: 'random' },
  faults: [{ atMs: 1000, partition: 'majority-minority' }, { atMs: 3000, heal: true }],
});

describe('a run that leaves the session guarantees unchecked (the swarm)', () => {
  it('says "not checked" for each and changes nothing else: the same trace, violations and other verdicts', () => {
    const checked = runExperiment(experiment, { hasher: nativeTraceHasher() }).summary;
    const unchecked = runExperiment(experiment, { hasher: nativeTraceHasher(), sessionGuarantees: false }).summary;
    for (const guarantee of ['readYourWrites', 'monotonicReads', 'monotonicWrites', 'writesFollowReads'] as const) {
      expect(unchecked.models[guarantee]).toEqual({ status: 'not checked', reason: 'this run did not check the session guarantees' });
    }
    expect(checked.models.monotonicReads.status).toBe('violated');
    const { models: _checkedModels, ...checkedRest } = checked;
    const { models: uncheckedModels, ...uncheckedRest } = unchecked;
    expect(uncheckedRest).toEqual(checkedRest);
    // (No linearizability check here: it would search the AP keys for seconds; the run's own counts are compared above.)
    expect(uncheckedModels.linearizable).toEqual(checked.models.linearizable);
  });
});
