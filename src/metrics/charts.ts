import type { MetricsSeries, MetricsWindow } from './series';
import { faultInWords } from './storyText';

/**
 * Pure ECharts option builders: metrics in, option object out. The app's live charts and the
 * exporter (SVG/PNG, report.html) use the same builders, so an exported chart is what the user saw.
 */

/** An ECharts option: plain data, no functions, so it can cross threads and be serialised. */
export type ChartOption = Record<string, unknown>;

export interface ChartStyle {
  readonly theme: 'light' | 'dark';
  /** Animations off for exports and tests. */
  readonly animation: boolean;
}

export const chartStyleDefault: ChartStyle = { theme: 'light', animation: false };

const faultColors: Record<string, string> = {
  partition: 'rgba(220, 80, 60, 0.14)',
  crash: 'rgba(120, 60, 200, 0.12)',
  pause: 'rgba(60, 120, 220, 0.12)',
  network: 'rgba(230, 160, 30, 0.14)',
  clock: 'rgba(40, 160, 140, 0.12)',
  disconnect: 'rgba(220, 80, 60, 0.10)',
};

const seconds = (ms: number) => +(ms / 1000).toFixed(3);

/** Shaded fault spans and CP/AP switch lines, attached to a chart's first series. */
function annotations(series: MetricsSeries, endMs: number): Record<string, unknown> {
  return {
    markArea: {
      silent: true,
      data: series.faults.map((fault) => [
        { xAxis: seconds(fault.startMs), name: faultInWords(fault.kind, fault.detail), itemStyle: { color: faultColors[fault.kind] ?? 'rgba(128,128,128,0.12)' } },
        { xAxis: seconds(fault.endMs ?? endMs) },
      ]),
      label: { show: false },
    },
    markLine: {
      silent: true,
      symbol: 'none',
      lineStyle: { type: 'dashed', color: '#c0392b', width: 1.5 },
      label: { formatter: '{b}', position: 'insideEndTop', fontSize: 10 },
      data: series.markers.map((marker) => ({ xAxis: seconds(marker.atMs), name: marker.label })),
    },
  };
}

function frame(title: string, series: MetricsSeries, yName: string, style: ChartStyle, lines: Array<Record<string, unknown>>): ChartOption {
  const endMs = series.windows.at(-1)?.endMs ?? 0;
  const dark = style.theme === 'dark';
  const text = dark ? '#ddd' : '#333';
  const [first, ...rest] = lines;
  return {
    animation: style.animation,
    backgroundColor: dark ? '#1e1f24' : '#ffffff',
    textStyle: { color: text, fontFamily: 'DejaVu Sans, sans-serif' },
    title: { text: title, left: 8, top: 4, textStyle: { fontSize: 14, color: text } },
    tooltip: { trigger: 'axis' },
    legend: { top: 4, right: 8, textStyle: { color: text } },
    grid: { left: 56, right: 48, top: 56, bottom: 40 },
    xAxis: { type: 'value', name: 'time (s)', nameLocation: 'middle', nameGap: 24, min: 0, max: seconds(endMs), axisLabel: { color: text } },
    yAxis: { type: 'value', name: yName, axisLabel: { color: text }, splitLine: { lineStyle: { color: dark ? '#333' : '#eee' } } },
    series: first === undefined ? [] : [{ ...first, ...annotations(series, endMs) }, ...rest],
  };
}

function line(name: string, windows: readonly MetricsWindow[], value: (window: MetricsWindow) => number | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, type: 'line', showSymbol: false, connectNulls: false, data: windows.map((window) => [seconds(window.endMs), value(window)]), ...extra };
}

export function throughputOption(series: MetricsSeries, style: ChartStyle = chartStyleDefault): ChartOption {
  const perSecond = series.windowMs / 1000;
  return frame('Throughput', series, 'ops/s', style, [
    line('ok', series.windows, (w) => w.ok / perSecond, { color: '#27ae60' }),
    line('fail', series.windows, (w) => w.fail / perSecond, { color: '#e67e22' }),
    line('unknown', series.windows, (w) => w.info / perSecond, { color: '#8e44ad' }),
    // What the clients' schedules offered (by intended start), so a gap between it and ok is the cluster's, not the load generator's.
    line('offered', series.windows, (w) => (w.offered ?? 0) / perSecond, { color: '#7f8c8d', lineStyle: { type: 'dashed', width: 1.5 } }),
  ]);
}

export function latencyOption(series: MetricsSeries, style: ChartStyle = chartStyleDefault): ChartOption {
  return frame('Latency of ok operations (from the intended start)', series, 'ms', style, [
    line('p50', series.windows, (w) => w.latencyMs?.p50 ?? null, { color: '#2980b9' }),
    line('p95', series.windows, (w) => w.latencyMs?.p95 ?? null, { color: '#f39c12' }),
    line('p99', series.windows, (w) => w.latencyMs?.p99 ?? null, { color: '#c0392b' }),
    line('p99 uncorrected (from the issue)', series.windows, (w) => w.latencyMsUncorrected?.p99 ?? null, { color: '#c0392b', lineStyle: { type: 'dotted', width: 1 } }),
  ]);
}

export function availabilityOption(series: MetricsSeries, style: ChartStyle = chartStyleDefault): ChartOption {
  // Outside partitions the sides offer nothing and their lines break: that is no data, not zero.
  const option = frame('Availability (answered within the timeout ÷ offered)', series, 'fraction', style, [
    line('all clients', series.windows, (w) => w.availability, { color: '#16a085', areaStyle: { opacity: 0.15 } }),
    line('majority side', series.windows, (w) => w.availabilityBySide?.majority ?? null, { color: '#2980b9', lineStyle: { width: 1.5 } }),
    line('minority side', series.windows, (w) => w.availabilityBySide?.minority ?? null, { color: '#c0392b', lineStyle: { width: 1.5 } }),
  ]);
  return { ...option, yAxis: { ...(option.yAxis as object), min: 0, max: 1 } };
}

export function violationsOption(series: MetricsSeries, style: ChartStyle = chartStyleDefault): ChartOption {
  const bar = (name: string, key: keyof MetricsWindow['violations'], color: string) => ({ name, type: 'bar', stack: 'violations', color, data: series.windows.map((w) => [seconds(w.endMs), w.violations[key]]) });
  return frame('Violations', series, 'count', style, [
    bar('stale read', 'staleRead', '#e74c3c'),
    bar('lost write', 'lostWrite', '#8e44ad'),
    bar('monotonic read', 'monotonicRead', '#d35400'),
    bar('read your writes', 'readYourWrites', '#2c3e50'),
  ]);
}

/**
 * Who leads, and the epoch it leads: Raft's term, VR's view, or a Paxos ballot as round × 10 + the
 * leader's digit (src/protocol/paxos/messages.ts ballotNumber), so a duel of proposers climbs in steps of ten.
 */
export function leaderOption(series: MetricsSeries, style: ChartStyle = chartStyleDefault): ChartOption {
  const option = frame('Leader / primary and term / view / ballot', series, 'term', style, [
    line('term / view / ballot', series.windows, (w) => w.term, { step: 'end', color: '#7f8c8d' }),
    { name: 'leader', type: 'line', step: 'end', yAxisIndex: 1, showSymbol: false, color: '#2980b9', data: series.windows.map((w) => [seconds(w.endMs), w.leader === null ? null : series.nodes.indexOf(w.leader)]) },
  ]);
  return { ...option, yAxis: [option.yAxis, { type: 'category', data: [...series.nodes], name: 'leader', position: 'right' }] };
}

export function commitIndexOption(series: MetricsSeries, style: ChartStyle = chartStyleDefault): ChartOption {
  return frame('Commit index per replica', series, 'index', style, series.nodes.map((node) => line(node, series.windows, (w) => w.commitIndex[node] ?? 0)));
}

export function messagesByLinkOption(series: MetricsSeries, style: ChartStyle = chartStyleDefault): ChartOption {
  const links = [...new Set(series.windows.flatMap((w) => Object.keys(w.messagesByLink)))].sort();
  const perSecond = series.windowMs / 1000;
  return frame('Messages per second per link', series, 'msgs/s', style, links.map((link) => line(link, series.windows, (w) => (w.messagesByLink[link] ?? 0) / perSecond, { lineStyle: { width: 1 } })));
}

/** Every chart of a run, in the order the app and the report show them. */
export const chartBuilders: ReadonlyArray<{ readonly name: string; readonly build: (series: MetricsSeries, style?: ChartStyle) => ChartOption }> = [
  { name: 'throughput', build: throughputOption },
  { name: 'latency', build: latencyOption },
  { name: 'availability', build: availabilityOption },
  { name: 'violations', build: violationsOption },
  { name: 'leader', build: leaderOption },
  { name: 'commit-index', build: commitIndexOption },
  { name: 'messages-per-link', build: messagesByLinkOption },
];
