import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../main/experimentFile';

describe('teaching presets declare their moments', () => {
  it('Figure 8: the cut, n5’s term 2, n1’s unsafe commit, n5’s term 4 and the overwrite, in time order within the run', () => {
    const experiment = loadExperiment('raft-unsafe-figure-8');
    const moments = experiment.moments ?? [];
    expect(moments.map((moment) => moment.atMs)).toEqual([2000, 3990, 5410, 7170, 7185]);
    expect(moments[4]?.caption).toMatch(/n5 overwrites index 405/);
  });
});
