import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../main/experimentFile';
import { RunController, runExperiment } from '../../src/experiment/run';
import { nodeRunOptions } from '../../workers/runOptions';

/**
 * Issue 14: availability means service. The same majority/minority partition (3 s to 8 s, sticky
 * clients) in CP and in AP, for Raft and VR: CP serves the majority side and not the minority, AP
 * serves both, and the overall number says so.
 */
describe.each(['raft', 'vr'] as const)('%s: who is served during a partition, CP against AP', (protocol) => {
  const cp = runExperiment(loadExperiment(`${protocol}-partition-cp`), nodeRunOptions());
  const ap = runExperiment(loadExperiment(`${protocol}-partition-ap`), nodeRunOptions());

  it('CP: the majority side is served, the minority side is not, the whole run well below 100 %', () => {
    const summary = cp.summary;
    expect(summary.availabilityBySide.majority).toBeGreaterThanOrEqual(0.95);
    expect(summary.availabilityBySide.minority).toBeLessThan(0.15);
    expect(summary.availability).toBeLessThanOrEqual(0.9);
    expect(summary.offered.missed).toBeGreaterThan(0);
    // In the middle of the cut (a timeout away from either end) the minority's windows are 0, not gaps.
    const middle = cp.metrics.windows.filter((window) => window.startMs >= 4000 && window.endMs <= 7000);
    expect(middle.length).toBeGreaterThan(8);
    for (const window of middle) {
      expect(window.availabilityBySide.minority).toBe(0);
      expect(window.availabilityBySide.majority).toBeGreaterThan(0.9);
    }
    // Outside the partition the sides offer nothing: no number, rather than a made-up one.
    for (const window of cp.metrics.windows.filter((w) => w.endMs <= 3000)) expect(window.availabilityBySide).toEqual({ majority: null, minority: null });
  });

  it('AP: both sides are served', () => {
    const summary = ap.summary;
    expect(summary.availability).toBeGreaterThanOrEqual(0.97);
    expect(summary.availabilityBySide.majority).toBeGreaterThanOrEqual(0.97);
    expect(summary.availabilityBySide.minority).toBeGreaterThanOrEqual(0.97);
  });

  it('offered load is what the schedules offered in both modes; the achieved throughput is the difference', () => {
    for (const summary of [cp.summary, ap.summary]) expect(Math.abs(summary.offeredOpsPerSec - 250) / 250).toBeLessThan(0.1);
    expect(ap.summary.throughputOpsPerSec).toBeGreaterThan(cp.summary.throughputOpsPerSec);
  });
});

describe('divergence means real divergence (issue 14)', () => {
  it.each(['raft', 'vr'] as const)('%s: a CP run stopped in the middle of a partition has replicas behind, not diverged', (protocol) => {
    const controller = new RunController(loadExperiment(`${protocol}-partition-cp`), nodeRunOptions());
    controller.advance(5000);
    const result = controller.stop();
    expect(result.summary.durationMs).toBeLessThanOrEqual(5001);
    expect(result.divergentKeys).toEqual([]);
    // The minority really is behind: its replicas applied less than the majority's.
    const applied = controller.cluster.ids.map((id) => controller.cluster.view(id)?.appliedIndex ?? 0);
    expect(Math.min(...applied)).toBeLessThan(Math.max(...applied));
  });
});
