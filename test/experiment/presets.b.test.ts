/**
 * The second half of the presets (odd positions), run on seeds 1, 7 and 13 like the first half
 * in presets.test.ts; two files so both cores share the work.
 */
import { describe, expect, it } from 'vitest';
import { loadExperiment, presetFiles } from '../../main/experimentFile';
import { runExperiment, runPassed } from '../../src/experiment/run';
import { nodeRunOptions } from '../../workers/runOptions';

const seeds = [1, 7, 13];

/** Every expectation holds; no invariant breaks unless an unsafe switch (or the exceeded fault model of the f+1 preset) explains it. */
function checkPreset(name: string): void {
  const experiment = loadExperiment(name);
  for (const seed of seeds) {
    const { summary } = runExperiment({ ...experiment, seed }, nodeRunOptions());
    const failing = summary.expectations.filter((expectation) => !expectation.holds).map((expectation) => `${expectation.expr} (actual ${expectation.actual ?? 'missing'})`);
    expect(failing, `${name} seed ${seed}: reproduce with npx caplab run ${name} --seed ${seed}`).toEqual([]);
    if (experiment.unsafe.length === 0 && !summary.faultModelExceeded) expect(summary.invariantsBroken, `${name} seed ${seed}`).toEqual([]);
    expect(summary.faultModelExceeded, `${name} seed ${seed}: only the f+1 preset leaves the fault model`).toBe(name === 'vr-f-plus-1-crashes');
    expect(runPassed(summary), `${name} seed ${seed} passes as caplab run would judge it`).toBe(true);
  }
}

describe('presets, second half: every expectation holds on seeds 1, 7, 13', () => {
  for (const name of [...presetFiles().keys()].filter((_, index) => index % 2 === 1)) it(name, () => checkPreset(name), 60_000);
});
