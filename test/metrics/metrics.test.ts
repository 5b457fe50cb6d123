import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import type { TraceEvent } from '../../src/history/trace';
import { chartBuilders, leaderOption, legendRows, messageLinksShownMax, messagesByLinkOption, roundAxisEnd, throughputOption } from '../../src/metrics/charts';
import { MetricsCollector } from '../../src/metrics/collector';
import { metricsCsv } from '../../src/metrics/csv';

describe('metrics collector', () => {
  it('counts completions, latency and availability per window from trace events', () => {
    const collector = new MetricsCollector(100);
    const events: TraceEvent[] = [
      { t: 0, kind: 'header', format: 'caplab-trace/1', experiment: 'x', protocol: 'raft', seed: 1, nodes: ['n1', 'n2'] },
      { t: 10_000, kind: 'invoke', op: 0, client: 1, node: 'n1', input: { f: 'read', key: 'k' } },
      { t: 30_000, kind: 'complete', op: 0, client: 1, output: { type: 'ok', value: null } },
      { t: 40_000, kind: 'invoke', op: 1, client: 2, node: 'n1', input: { f: 'write', key: 'k', value: 'v' } },
      { t: 120_000, kind: 'complete', op: 1, client: 2, output: { type: 'info' } },
      { t: 130_000, kind: 'role', node: 'n2', role: 'leader', term: 3, leader: 'n2' },
      { t: 140_000, kind: 'commit', node: 'n2', commitIndex: 7 },
      { t: 150_000, kind: 'send', id: 1, from: 'n2', to: 'n1', message: 'append' },
      { t: 160_000, kind: 'fault', fault: 'partition', detail: '{n1} | {n2}' },
      { t: 180_000, kind: 'fault', fault: 'consistency', detail: 'write local, read local' },
      { t: 250_000, kind: 'fault', fault: 'heal', detail: 'partitions healed' },
    ];
    events.forEach((event) => collector.observe(event));
    const series = collector.finish(300_000);
    expect(series.windows.map((w) => [w.ok, w.fail, w.info])).toEqual([[1, 0, 0], [0, 0, 1], [0, 0, 0]]);
    expect(series.windows[0]?.latencyMs?.p50).toBeCloseTo(20, 0);
    expect(series.windows[0]?.availability).toBe(1);
    expect(series.windows[1]?.availability).toBe(0);
    expect(series.windows[2]?.availability).toBeNull();
    expect(series.windows[1]).toMatchObject({ leader: 'n2', term: 3, commitIndex: { n1: 0, n2: 7 }, messagesByLink: { 'n2>n1': 1 } });
    expect(series.faults).toEqual([{ kind: 'partition', detail: '{n1} | {n2}', startMs: 160, endMs: 250 }]);
    expect(series.markers).toEqual([{ atMs: 180, kind: 'consistency', label: 'write local, read local' }]);
  });

  it('a real run: the windows add up to the summary and the partition is a shaded span', () => {
    const experiment = validateExperiment({ protocol: 'raft', durationMs: 4000, faults: [{ atMs: 1000, partition: 'majority-minority' }, { atMs: 3000, heal: true }, { atMs: 2000, consistency: 'cp' }] });
    const { summary, metrics } = runExperiment(experiment);
    const sum = (pick: (w: (typeof metrics.windows)[number]) => number) => metrics.windows.reduce((total, w) => total + pick(w), 0);
    expect(sum((w) => w.ok)).toBe(summary.ops.ok);
    expect(sum((w) => w.fail)).toBe(summary.ops.fail);
    expect(sum((w) => w.info)).toBe(summary.ops.info);
    expect(sum((w) => w.messagesSent)).toBe(summary.messages.sent);
    expect(metrics.faults.find((fault) => fault.kind === 'partition')).toMatchObject({ startMs: 1000, endMs: 3000 });
    expect(metrics.markers.map((marker) => marker.atMs)).toEqual([2000]);
  });
});

describe('chart option builders (pure, shared by the app and the exporter)', () => {
  const experiment = validateExperiment({ protocol: 'vr', durationMs: 3000, faults: [{ atMs: 1000, crash: 'primary' }, { atMs: 2000, restart: 'all' }, { atMs: 1500, consistency: 'ap' }] });
  const { metrics } = runExperiment(experiment);

  it('every chart shades fault spans and marks the CP/AP switch (the leader chart, whose bands are leaders, draws each fault as a line where it began)', () => {
    for (const { name, build } of chartBuilders) {
      const option = build(metrics) as { series: Array<{ markArea?: { data: unknown[] }; markLine?: { data: Array<{ xAxis: number; name: string }> } }> };
      expect(option.series.length, name).toBeGreaterThan(0);
      if (name === 'leader') {
        expect(option.series[0]?.markArea, name).toBeUndefined();
        expect(option.series[0]?.markLine?.data.map((line) => line.xAxis), name).toEqual([1, 1.5]);
        continue;
      }
      expect(option.series[0]?.markArea?.data.length, name).toBe(1);
      expect(option.series[0]?.markLine?.data.map((line) => line.xAxis), name).toEqual([1.5]);
    }
  });

  it('the leader chart: a band per leader, and a term step line that never drops to 0 when nobody leads', () => {
    // Two windows in which nobody leads (the collector then says term 0), as after a crash.
    const gap = { ...metrics, windows: metrics.windows.map((window, index) => (index === 5 || index === 6 ? { ...window, leader: null, term: 0 } : window)) };
    const option = leaderOption(gap) as { series: Array<{ name: string; data: Array<[number, number | null]>; markArea?: { data: Array<[{ xAxis: number }, { xAxis: number }]> } }> };
    const [epoch, ...bands] = option.series;
    const values = (epoch?.data ?? []).map(([, value]) => value).filter((value) => value !== null) as number[];
    expect(values.length).toBeGreaterThan(0);
    expect(values.every((value, index) => value > 0 && (index === 0 || value >= (values[index - 1] as number)))).toBe(true);
    // After the primary crashed nobody leads for a while: the line holds the last view there instead of dropping.
    const leaderless = gap.windows.map((window, index) => ({ window, index })).filter(({ window, index }) => window.leader === null && index > 0 && (epoch?.data[index - 1]?.[1] ?? null) !== null);
    expect(leaderless.map(({ index }) => index)).toEqual([5, 6]);
    for (const { index } of leaderless) expect(epoch?.data[index]?.[1]).toBeGreaterThan(0);
    expect(bands.length).toBeGreaterThan(0);
    for (const band of bands) {
      expect(band.name).toMatch(/^n\d leads$/);
      for (const [from, to] of band.markArea?.data ?? []) expect(to.xAxis).toBeGreaterThan(from.xAxis);
    }
  });

  it('layout: round axis ends, a legend under the title that fits, dim grid lines in the dark', () => {
    expect([roundAxisEnd(12.128), roundAxisEnd(1212.75), roundAxisEnd(0.83), roundAxisEnd(3)]).toEqual([13, 1215, 0.9, 3]);
    expect(legendRows(['ok', 'fail', 'unknown', 'offered'])).toBe(1);
    expect(legendRows(Array.from({ length: 7 }, (_, i) => `n${i}→n${i + 1}`))).toBe(2);
    for (const { name, build } of chartBuilders) {
      const dark = build(metrics, { theme: 'dark', animation: false }) as { title: { top: number }; legend: { top: number; type: string }; grid: { top: number }; xAxis: { max: number }; yAxis: { splitLine: { lineStyle: { color: string } }; nameLocation: string } };
      expect(dark.legend.type, name).toBe('plain');
      expect(dark.legend.top, name).toBeGreaterThan(dark.title.top);
      expect(dark.grid.top, name).toBeGreaterThan(dark.legend.top + 18);
      expect(Number.isInteger(dark.xAxis.max * 10), name).toBe(true);
      expect(dark.yAxis.splitLine.lineStyle.color, name).not.toMatch(/^#(fff|eee|e0e6f1)/i);
      expect(dark.yAxis.nameLocation, name).toBe('middle');
    }
    const links = messagesByLinkOption(metrics) as { series: Array<{ name: string }> };
    expect(links.series.length).toBeLessThanOrEqual(messageLinksShownMax + 1);
    expect(links.series.at(-1)?.name).toMatch(/^\d+ other links, summed$/);
  });

  it('throughput is per second, one point per window, and a dark theme changes only colours', () => {
    const light = throughputOption(metrics) as { series: Array<{ data: Array<[number, number]> }> };
    const ok = light.series[0]?.data ?? [];
    expect(ok.length).toBe(metrics.windows.length);
    expect(ok[3]?.[1]).toBe((metrics.windows[3]?.ok ?? 0) * 4);
    const dark = throughputOption(metrics, { theme: 'dark', animation: false }) as { backgroundColor: string; series: unknown };
    expect(dark.backgroundColor).not.toBe((light as unknown as { backgroundColor: string }).backgroundColor);
    expect(dark.series).toEqual(light.series);
  });

  it('metrics.csv has one row per window and a column per replica commit index', () => {
    const csv = metricsCsv(metrics).trim().split('\n');
    expect(csv.length).toBe(metrics.windows.length + 1);
    expect(csv[0]).toContain('commit_n5');
    expect(csv.every((row) => row.split(',').length === (csv[0] as string).split(',').length)).toBe(true);
  });
});
