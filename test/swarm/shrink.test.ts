import { describe, expect, it } from 'vitest';
import { runExperiment, runPassed } from '../../src/experiment/run';
import { drawSwarmExperiment } from '../../src/swarm/draw';
import { runSwarmExperiment } from '../../src/swarm/judge';
import { shrinkSwarmSeed } from '../../src/swarm/shrink';
import { nodeRunOptions } from '../../workers/runOptions';

describe('shrinking a failing swarm seed (issue 18)', () => {
  it('VR seed 2 with startViewWithOwnLog shrinks, the same way twice, to ≤ 3 faults that still fail on safety, with expect lines that hold', () => {
    const draw = drawSwarmExperiment('vr', 2, ['startViewWithOwnLog']);
    const first = shrinkSwarmSeed(draw, nodeRunOptions);
    const second = shrinkSwarmSeed(draw, nodeRunOptions);
    expect(first).not.toBeNull();
    expect(second?.experiment).toEqual(first?.experiment);
    const shrunk = first?.experiment;
    if (shrunk === undefined) return;
    expect(shrunk.nemesis).toBeUndefined();
    // Draw version 2: 36 faults → 3 (two partitions and a heal) in 56 runs, with the finer steps
    // (whole episodes alone stopped at 10: removing any changed the failure).
    expect(shrunk.faults.length).toBeLessThanOrEqual(3);
    expect(first?.verdict.failure).toBe('safety');
    expect(first?.faultsBefore).toBeGreaterThan(shrunk.faults.length);
    expect(shrunk.expect).toContain('invariantsBroken > 0');
    expect(runSwarmExperiment(shrunk, { convergedByMs: shrunk.durationMs }, nodeRunOptions()).verdict.failure).toBe('safety');
    const { summary } = runExperiment(shrunk, nodeRunOptions());
    expect(summary.expectations.every((expectation) => expectation.holds)).toBe(true);
    expect(runPassed(summary)).toBe(true);
  }, 300_000);
});
