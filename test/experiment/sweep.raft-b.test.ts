import { describe, expect, it } from 'vitest';
import { nemesisExperiment, sweep } from './sweep';

describe('Raft seed sweep, 5 nodes, CP, random nemesis with drops and duplicates', () => {
  it('seeds 151–300: no invariant broken, no violation, replicas converge', { timeout: 300_000 }, () => {
    const { ok } = sweep(nemesisExperiment('raft'), 151, 300);
    // The sweep must exercise something: most operations succeed despite the faults.
    expect(ok).toBeGreaterThan(150 * 300);
  });
});
