import { describe, expect, it } from 'vitest';
import { nemesisExperiment, sweep } from './sweep';

/**
 * Issue 16: a 5-node Multi-Paxos CP cluster under the random nemesis with drops and duplicates.
 * CI runs seeds 1–150 here and 151–300 in sweep.paxos-b; `caplab sweep paxos-nemesis-cp --seeds
 * 300` runs the longer preset over the same count.
 */
describe('Multi-Paxos seed sweep, 5 nodes, CP, random nemesis with drops and duplicates', () => {
  it('seeds 151–300: no invariant broken, no violation, replicas converge', { timeout: 300_000 }, () => {
    const { ok } = sweep(nemesisExperiment('paxos'), 151, 300);
    expect(ok).toBeGreaterThan(150 * 300);
  });
});
