import { describe, expect, it } from 'vitest';
import { chartBuilders, chartWidthMinPx, momentGroupLabel, type ChartMoment, type ChartOption } from '../../src/metrics/charts';
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

  it('labels never overlap on the narrowest chart, however the moments crowd; runs of numbers read as a range', () => {
    expect(momentGroupLabel(['8', '9', '10', '11'])).toBe('8–11');
    expect(momentGroupLabel(['4', '5'])).toBe('4, 5');
    expect(momentGroupLabel(['4', '6', '7'])).toBe('4, 6, 7');
    const crowded: ChartMoment[] = [1000, 1100, 1150, 2300, 2400, 2500, 2600, 2700, 5000, 5050, 9900].map((atMs, i) => ({ atMs, label: String(i + 1), caption: `m${i + 1}`, alarm: false }));
    const option = chartBuilders[0]!.build(series, { theme: 'light', animation: false, moments: crowded });
    const shown = momentItems(option).filter((item) => item.label?.show !== false);
    const axisEnd = (option.xAxis as { max: number }).max;
    const plotPx = chartWidthMinPx - 84;
    for (let i = 1; i < shown.length; i++) {
      const previous = shown[i - 1]!;
      const gapPx = ((shown[i]!.xAxis - previous.xAxis) / axisEnd) * plotPx;
      expect(gapPx, `${previous.label?.formatter} → ${shown[i]!.label?.formatter}`).toBeGreaterThan((previous.label?.formatter?.length ?? 0) * 6.4);
    }
    // Every moment is in some label.
    expect(shown.map((item) => item.label?.formatter).join(' ')).toBe('1–3 4–8 9, 10 11');
  });

  it('the exported SVG carries the numbers', () => {
    const svg = renderChartSvg(chartBuilders[2]!.build(series, { theme: 'light', animation: false, moments }));
    expect(svg).toContain('>2, 3<');
    expect(svg).toContain('>1<');
  });
});
