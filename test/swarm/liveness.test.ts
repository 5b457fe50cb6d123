import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/experiment/schema';
import { drawSwarmExperiment } from '../../src/swarm/draw';
import { runSwarmExperiment } from '../../src/swarm/judge';

describe('swarm verdicts (issue 18)', () => {
  it('an election timeout below the message delay cannot converge: a liveness failure, not a safety one', () => {
    const experiment = validateExperiment({
      protocol: 'raft',
      nodes: 3,
      durationMs: 5000,
      protocolSettings: { electionTimeoutMs: [50, 60], heartbeatMs: 10, leaseMs: 20 },
      network: { latencyMs: { distribution: 'fixed', value: 200 } },
      workload: { clients: 2, ratePerSec: 50 },
    });
    const { verdict } = runSwarmExperiment(experiment, { convergedByMs: 3000 });
    expect(verdict.failure).toBe('liveness');
    expect(verdict.safety).toEqual([]);
    expect(verdict.liveness.join('\n')).toMatch(/never completed|none of the .* succeeded/);
  });

  it('the same timeouts above the message delay converge and pass', () => {
    const experiment = validateExperiment({ protocol: 'raft', nodes: 3, durationMs: 5000, network: { latencyMs: { distribution: 'fixed', value: 5 } }, workload: { clients: 2, ratePerSec: 50 } });
    expect(runSwarmExperiment(experiment, { convergedByMs: 3000 }).verdict).toMatchObject({ passed: true, failure: null });
  });

  it('a seed draws the same experiment every time, within the declared ranges', () => {
    for (const seed of [1, 2, 3, 40]) {
      const a = drawSwarmExperiment('vr', seed, []);
      expect(drawSwarmExperiment('vr', seed, [])).toEqual(a);
      expect(a.experiment.nodes).toBeGreaterThanOrEqual(3);
      expect(a.experiment.nodes).toBeLessThanOrEqual(7);
      expect(a.convergedByMs).toBeLessThan(a.experiment.durationMs);
    }
    expect(drawSwarmExperiment('raft', 1, []).experiment).not.toEqual(drawSwarmExperiment('raft', 2, []).experiment);
  });
});
