import { expect } from 'vitest';
import { loadExperiment } from '../../main/experimentFile';
import { runExperiment, runPassed } from '../../src/experiment/run';
import type { RunSummary } from '../../src/experiment/summary';
import { nodeRunOptions } from '../../workers/runOptions';

/** The seeds every preset is checked on in CI (both halves of the presets). */
export const seeds = [1, 7, 13];

/** Claims a preset makes that an `expect` line cannot state (it compares numbers, not flags). */
const extraClaims: Record<string, (summary: RunSummary) => void> = {
  'vr-f-plus-1-crashes': (summary) => expect(summary.faultModelExceeded, 'f+1 crashes are outside the fault model').toBe(true),
};

/** Runs a preset on `seeds`; every expectation must hold and no invariant may break unless an unsafe switch (or an exceeded fault model) explains it. */
export function checkPreset(name: string): void {
  const experiment = loadExperiment(name);
  for (const seed of seeds) {
    const { summary } = runExperiment({ ...experiment, seed }, nodeRunOptions());
    const failing = summary.expectations.filter((expectation) => !expectation.holds).map((expectation) => `${expectation.expr} (actual ${expectation.actual ?? 'missing'})`);
    expect(failing, `${name} seed ${seed}: reproduce with npx caplab run ${name} --seed ${seed}`).toEqual([]);
    if (experiment.unsafe.length === 0 && !summary.faultModelExceeded) expect(summary.invariantsBroken, `${name} seed ${seed}`).toEqual([]);
    expect(summary.faultModelExceeded, `${name} seed ${seed}: only the f+1 preset leaves the fault model`).toBe(name in extraClaims);
    expect(runPassed(summary), `${name} seed ${seed} passes as caplab run would judge it`).toBe(true);
    extraClaims[name]?.(summary);
  }
}
