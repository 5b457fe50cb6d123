import { describe, expect, it } from 'vitest';
import { metricsCsv } from '../../src/metrics/csv';
import type { MetricsWindow } from '../../src/metrics/series';
import { appendMetricsBatch, emptySeries, withViolationsFromCsv } from '../../renderer/stores/liveSeries';

const window = (startMs: number, ok: number): MetricsWindow => ({
  startMs,
  endMs: startMs + 250,
  ok,
  fail: 0,
  info: 0,
  latencyMs: null,
  latencyMsUncorrected: null,
  offered: ok,
  served: ok,
  missed: 0,
  availabilityBySide: { majority: null, minority: null },
  availability: ok === 0 ? null : 1,
  violations: { staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 },
  leader: 'n1',
  term: 1,
  commitIndex: { n1: ok },
  messagesByLink: { 'n1>n2': 3 },
  messagesSent: 3,
});

describe('live windows become a MetricsSeries', () => {
  it('appends fresh windows in order, replaces faults and markers, and never adds a window twice', () => {
    let series = emptySeries(['n1', 'n2']);
    series = appendMetricsBatch(series, { nowMs: 300, windows: [window(0, 5)], faults: [], markers: [] });
    const fault = { kind: 'partition', detail: 'n1 | n2', startMs: 260, endMs: null };
    series = appendMetricsBatch(series, { nowMs: 600, windows: [window(0, 5), window(250, 7)], faults: [fault], markers: [{ atMs: 400, kind: 'consistency', label: 'write local, read local' }] });
    expect(series.windows.map((w) => w.startMs)).toEqual([0, 250]);
    expect(series.windowMs).toBe(250);
    expect(series.nodes).toEqual(['n1', 'n2']);
    expect(series.faults).toEqual([fault]);
    expect(series.markers).toHaveLength(1);
    const healed = appendMetricsBatch(series, { nowMs: 700, windows: [], faults: [{ ...fault, endMs: 650 }], markers: series.markers });
    expect(healed.faults[0]?.endMs).toBe(650);
    expect(healed.windows).toBe(series.windows);
  });

  it('keeps the same object when a batch brings nothing new, so charts are not redrawn', () => {
    const series = appendMetricsBatch(emptySeries(['n1']), { nowMs: 300, windows: [window(0, 1)], faults: [], markers: [] });
    expect(appendMetricsBatch(series, { nowMs: 320, windows: [], faults: [], markers: [] })).toBe(series);
  });

  it('drops the oldest windows past the bound and ignores what is not a window', () => {
    let series = emptySeries(['n1']);
    for (let i = 0; i < 10; i++) series = appendMetricsBatch(series, { nowMs: i * 250, windows: [window(i * 250, i), { junk: true }], faults: [{ nope: 1 }], markers: [7] }, 4);
    expect(series.windows.map((w) => w.ok)).toEqual([6, 7, 8, 9]);
    expect(series.faults).toEqual([]);
    expect(series.markers).toEqual([]);
  });

  it('takes the oracle violations per window from the exported metrics.csv', () => {
    const live = appendMetricsBatch(emptySeries(['n1']), { nowMs: 800, windows: [window(0, 1), window(250, 2), window(500, 3)], faults: [], markers: [] });
    const final = { ...live, windows: live.windows.map((w, i) => ({ ...w, violations: { staleRead: i, lostWrite: 2 * i, monotonicRead: 0, readYourWrites: i === 2 ? 1 : 0 } })) };
    const merged = withViolationsFromCsv(live, metricsCsv(final));
    expect(merged.windows.map((w) => w.violations)).toEqual(final.windows.map((w) => w.violations));
    expect(live.windows[2]?.violations.staleRead).toBe(0);
    expect(() => withViolationsFromCsv(live, 'a,b\n1,2\n')).toThrow('metrics.csv has no column start_ms');
  });
});
