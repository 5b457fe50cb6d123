import { describe, expect, it } from 'vitest';
import type { Counterexample } from '../../src/checker/linearizability';
import { counterexampleSvg, counterexampleTimeline } from '../../src/metrics/counterexampleTimeline';

const counterexample: Counterexample = {
  partition: 'k1',
  partitionOperationIds: [24, 26, 27],
  linearized: [
    { id: 24, clientId: 5, call: 4_000_000, return: 4_020_000, description: 'k1: write "c5-10"' },
    { id: 26, clientId: 9, call: 5_000_000, return: 5_030_000, description: 'k1: write "c9-12"' },
  ],
  stateAfter: '"c9-12"',
  blocked: { id: 27, clientId: 23, call: 5_047_082, return: 5_072_938, description: 'k1: read absent' },
  explanation: 'read absent, but the register holds "c9-12"',
};

describe('the counterexample timeline: lanes by client and serving replica, fault and CP/AP bands', () => {
  const timeline = counterexampleTimeline({
    counterexample,
    faults: [
      { kind: 'partition', detail: '{n1,n2} | {n3,n4,n5}', startMs: 3000, endMs: 8000 },
      { kind: 'clock', detail: 'n2 {"driftPpm":-950000}', startMs: 4500, endMs: null },
      { kind: 'crash', detail: 'n4', startMs: 100, endMs: 200 },
    ],
    markers: [{ atMs: 4800, kind: 'consistency', label: 'write local, read local' }],
    initialPolicy: 'CP',
    servedBy: (id) => (id === 27 ? 'n1' : id === 26 ? 'n4' : null),
  });

  it('labels each lane with the replica that served its client, and keeps the blocked operation red and last', () => {
    expect(timeline.lanes.map((lane) => lane.label)).toEqual(['client 5', 'client 9 → n4', 'client 23 → n1']);
    expect(timeline.operations.at(-1)).toMatchObject({ id: 27, blocked: true, order: null, servedBy: 'n1', spanText: '5.047 s → 5.073 s (25.9 ms)' });
    expect(timeline.operations[0]?.x).toBeLessThan(timeline.operations[1]?.x ?? 0);
  });

  it('draws the policy in force (CP then AP at the switch) and the faults that overlap the window, in words, stacked when they overlap', () => {
    expect(timeline.bands.filter((band) => band.row === 0).map((band) => band.label)).toEqual(['CP', 'AP']);
    const faults = timeline.bands.filter((band) => band.row > 0);
    expect(faults.map((band) => [band.row, band.label])).toEqual([
      [1, 'partition {n1,n2} | {n3,n4,n5}'],
      [2, "n2's clock at 5 % speed"],
    ]);
    const cp = timeline.bands[0];
    const ap = timeline.bands[1];
    expect(cp!.x + cp!.width).toBeCloseTo(ap!.x, 6);
  });

  it('renders as standalone SVG for the report, words escaped', () => {
    const svg = counterexampleSvg(timeline, 'Counterexample on key k1');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('client 23 → n1');
    expect(svg).toContain("n2's clock at 5 % speed");
    expect(svg).toContain('k1: read absent · 5.047 s → 5.073 s (25.9 ms) · served by n1');
    expect(svg.match(/<rect /g)?.length).toBe(timeline.bands.length + timeline.operations.length);
    expect(svg).not.toContain('<script');
  });
});
