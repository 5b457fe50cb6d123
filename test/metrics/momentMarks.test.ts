import { describe, expect, it } from 'vitest';
import { chartBuilders, type ChartMoment, type ChartOption } from '../../src/metrics/charts';
import type { MetricsSeries, MetricsWindow } from '../../src/metrics/series';
import { renderChartSvg } from '../../main/chartRender';

const window = (endMs: number): MetricsWindow =>
  ({
    endMs,
    ok: 4,
    fail: 0,
    info: 0,
    offered: 4,
    latencyMs: { p50: 1, p95: 2, p99: 3 },
    latencyMsUncorrected: { p50: 1, p95: 2, p99: 3 },
    availability: 1,
    availabilityBySide: { majority: null, minority: null },
    violations: { staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 },
    leader: 'n1',
    term: 1,
    commitIndex: { n1: endMs / 10, n2: endMs / 10, n3: endMs / 10 },
    messagesByLink: { 'n1>n2': 3 },
  }) as unknown as MetricsWindow;

const series: MetricsSeries = { windowMs: 250, nodes: ['n1', 'n2', 'n3'], windows: Array.from({ length: 40 }, (_, i) => window((i + 1) * 250)), faults: [{ kind: 'partition', detail: 'n1 | n2 n3', startMs: 2000, endMs: 4000 }], markers: [] } as unknown as MetricsSeries;

const moments: ChartMoment[] = [
  { atMs: 2000, label: '1', caption: 'The network splits.', alarm: false },
  { atMs: 7170, label: '2', caption: 'n5 becomes leader of term 4.', alarm: false },
  { atMs: 7185, label: '3', caption: 'n5 overwrites index 405.', alarm: true },
];

type MarkItem = { xAxis: number; name: string; label?: { show?: boolean; formatter?: string; color?: string }; lineStyle?: { color?: string } };
const momentItems = (option: ChartOption): MarkItem[] => {
  const first = (option.series as Array<{ markLine?: { data: MarkItem[] } }>)[0];
  return (first?.markLine?.data ?? []).filter((item) => /^\d+\. /.test(item.name));
};
const gridTop = (option: ChartOption) => (option.grid as { top: number }).top;

describe('moment marks on every chart', () => {
  it('every chart draws one line per moment, named by its number and caption', () => {
    for (const { name, build } of chartBuilders) {
      const items = momentItems(build(series, { theme: 'light', animation: false, moments }));
      expect(items.map((item) => [item.xAxis, item.name]), name).toEqual([
        [2, '1. The network splits.'],
        [7.17, '2. n5 becomes leader of term 4.'],
        [7.185, '3. n5 overwrites index 405.'],
      ]);
      // Without moments, nothing is added and the plot keeps its place.
      expect(momentItems(build(series)), name).toEqual([]);
      expect(gridTop(build(series, { theme: 'light', animation: false, moments })), name).toBeGreaterThan(gridTop(build(series)));
    }
  });

  it('moments too close to label apart share one label; an alarm is red', () => {
    const items = momentItems(chartBuilders[0]!.build(series, { theme: 'dark', animation: false, moments }));
    expect(items.map((item) => item.label?.show === false ? null : item.label?.formatter)).toEqual(['1', '2, 3', null]);
    expect(items[1]?.label?.color).toBe('#c0392b');
    expect(items[2]?.lineStyle?.color).toBe('#c0392b');
    expect(items[0]?.lineStyle?.color).not.toBe('#c0392b');
  });

  it('the exported SVG carries the numbers', () => {
    const svg = renderChartSvg(chartBuilders[2]!.build(series, { theme: 'light', animation: false, moments }));
    expect(svg).toContain('>2, 3<');
    expect(svg).toContain('>1<');
  });
});
