import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../main/experimentFile';
import { runExperiment, runPassed } from '../../src/experiment/run';
import { nodeRunOptions } from '../../workers/runOptions';

/**
 * The counterexamples `caplab swarm --shrink` wrote (presets/counterexamples/, issue 18): each a
 * small experiment with its faults written out, no nemesis, few faults, whose own expect lines
 * hold at its own seed — the failure it shows, reproduced. The Figure 8 one keeps 6 (41 before):
 * Figure 8 needs a leader crashed, another elected and crashed, the first back and crashed again;
 * each crash the churn makes is a cut and a crash, and the shrinker finds no smaller run that fails alike.
 */
const faultsMax = (file: string) => (file === 'swarm-raft-figure8.yaml' ? 6 : 3);
const folder = resolve(__dirname, '..', '..', 'presets', 'counterexamples');
const files = readdirSync(folder).filter((file) => file.endsWith('.yaml'));

describe('shrunk swarm counterexamples', () => {
  it('there is one for Figure 8 and one for VR', () => {
    expect(files.some((file) => file.startsWith('swarm-raft-'))).toBe(true);
    expect(files.some((file) => file.startsWith('swarm-vr-'))).toBe(true);
  });
  for (const file of files) {
    it(`${file}: ≤ ${faultsMax(file)} faults, no nemesis, an unsafe switch on, and its expect lines hold`, () => {
      const experiment = loadExperiment(join(folder, file));
      expect(experiment.nemesis).toBeUndefined();
      expect(experiment.faults.length).toBeLessThanOrEqual(faultsMax(file));
      expect(experiment.unsafe.length).toBeGreaterThan(0);
      expect(experiment.expect).toContain('invariantsBroken > 0');
      const { summary } = runExperiment(experiment, nodeRunOptions());
      expect(summary.expectations.filter((expectation) => !expectation.holds)).toEqual([]);
      expect(runPassed(summary)).toBe(true);
    }, 120_000);
  }
});
