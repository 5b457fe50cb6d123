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
  /** The run's moments (ARCHITECTURE §8), drawn as thin numbered lines on every chart. */
  readonly moments?: readonly ChartMoment[];
}

/** A moment as a chart draws it: when, a short label (its number in the story), the caption on hover. */
export interface ChartMoment {
  readonly atMs: number;
  readonly label: string;
  readonly caption: string;
  /** Something broke here (an overwrite, a stale read): drawn red. */
  readonly alarm: boolean;
}

/** Moments closer than this share of the time axis share one label ("4, 5"), so labels never overlap. */
const momentLabelGapShare = 0.03;
/** A label character's width at 10 px, px (digits, comma, dash in DejaVu Sans are 6.4 px or less). */
const momentDigitPx = 6.5;

/** "1", "2, 3", "8–13": a group's labels, runs of three or more numbers as a range. */
export function momentGroupLabel(labels: readonly string[]): string {
  const numbers = labels.map(Number);
  if (numbers.length >= 3 && numbers.every((n, i) => Number.isInteger(n) && (i === 0 || n === (numbers[i - 1] as number) + 1))) return `${labels[0]}–${labels.at(-1)}`;
  return labels.join(', ');
}

/**
 * One thin line per moment with its number above the plot (in the gap under the legend, which the
 * grid leaves when there are moments); moments too close to label apart share the first one's label.
 */
function momentMarks(moments: readonly ChartMoment[], axisEndS: number, dark: boolean): Array<Record<string, unknown>> {
  const sorted = [...moments].sort((a, b) => a.atMs - b.atMs);
  const groups: ChartMoment[][] = [];
  for (const moment of sorted) {
    const group = groups.at(-1);
    const head = group?.[0];
    // The next label must start past the end of this group's label (as wide as it would be with this moment in it).
    const labelPx = group === undefined ? 0 : momentGroupLabel([...group, moment].map((one) => one.label)).length * momentDigitPx + 8;
    // Against the narrowest plot: the narrowest chart less the grid's side margins.
    const gapS = axisEndS * Math.max(momentLabelGapShare, labelPx / (chartWidthMinPx - 84));
    if (group !== undefined && head !== undefined && (moment.atMs - head.atMs) / 1000 <= gapS) group.push(moment);
    else groups.push([moment]);
  }
  const normal = dark ? '#c39bd3' : '#8e44ad';
  return groups.flatMap((group) =>
    group.map((moment, index) => ({
      xAxis: seconds(moment.atMs),
      name: `${moment.label}. ${moment.caption}`,
      lineStyle: { type: 'solid', color: moment.alarm ? '#c0392b' : normal, width: 1, opacity: 0.8 },
      label: index === 0 ? { show: true, position: 'end', distance: 2, fontSize: 10, color: group.some((one) => one.alarm) ? '#c0392b' : normal, formatter: momentGroupLabel(group.map((one) => one.label)) } : { show: false },
    })),
  );
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

/**
 * Shaded fault spans and CP/AP switch lines, attached to a chart's first series. `faultAreas` false
 * (the leader chart, whose bands are the leaders): each fault is a dotted line where it began instead.
 */
function annotations(series: MetricsSeries, endMs: number, faultAreas: boolean, moments: Array<Record<string, unknown>>): Record<string, unknown> {
  // Hovering a moment's line shows its caption; everything else on the line stays silent as before.
  const momentLines = moments.length === 0 ? {} : { silent: false, tooltip: { trigger: 'item', formatter: '{b}' } };
  if (!faultAreas) {
    return {
      markLine: {
        silent: true,
        symbol: 'none',
        label: { formatter: '{b}', position: 'insideEndTop', fontSize: 10 },
        data: [
          ...series.faults.map((fault) => ({ xAxis: seconds(fault.startMs), name: '', lineStyle: { type: 'dotted', color: '#888', width: 1 }, label: { show: false } })),
          ...series.markers.map((marker) => ({ xAxis: seconds(marker.atMs), name: marker.label, lineStyle: { type: 'dashed', color: '#c0392b', width: 1.5 } })),
          ...moments,
        ],
        ...momentLines,
      },
    };
  }
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
      data: [...series.markers.map((marker) => ({ xAxis: seconds(marker.atMs), name: marker.label })), ...moments],
      ...momentLines,
    },
  };
}

/** The narrowest chart the app draws, px: legends are laid out to fit it (ChartPanelGrid's column minimum). */
export const chartWidthMinPx = 420;
const legendFontPx = 11;
const legendItemWidthPx = 14;
const legendItemGapPx = 18;
/** Height of one legend row, px. */
const legendRowPx = 18;

/** A round end for the time axis (s): 12.128 → 13, 0.83 → 0.9, so the last label is a round number. */
export function roundAxisEnd(seconds: number): number {
  if (seconds <= 0) return 1;
  const step = seconds > 20 ? 5 : seconds > 2 ? 1 : seconds > 0.2 ? 0.1 : 0.01;
  return Number((Math.ceil(seconds / step - 1e-9) * step).toFixed(2));
}

/** Rows a legend of these names takes in `widthPx` (an estimate from the font size; never less than one). */
export function legendRows(names: readonly string[], widthPx = chartWidthMinPx - 16): number {
  let rows = 1;
  let used = 0;
  for (const name of names) {
    const item = legendItemWidthPx + 5 + name.length * legendFontPx * 0.58 + legendItemGapPx;
    if (used > 0 && used + item > widthPx) {
      rows++;
      used = 0;
    }
    used += item;
  }
  return rows;
}

/** Axis and grid colours of a theme: dark mode draws dim lines, never white ones. */
function axisColours(dark: boolean) {
  return { text: dark ? '#ddd' : '#333', line: dark ? '#666' : '#999', grid: dark ? '#34363d' : '#eee' };
}

function frame(title: string, series: MetricsSeries, yName: string, style: ChartStyle, lines: Array<Record<string, unknown>>, faultAreas = true): ChartOption {
  const endMs = series.windows.at(-1)?.endMs ?? 0;
  const dark = style.theme === 'dark';
  const colours = axisColours(dark);
  const text = colours.text;
  const [first, ...rest] = lines;
  // The title on its own row, the legend under it (wrapped to fit, never paged), the plot under both.
  const names = lines.map((entry) => String(entry.name ?? '')).filter((name) => name !== '');
  const rows = names.length === 0 ? 0 : legendRows(names);
  const axisEnd = roundAxisEnd(seconds(endMs));
  const moments = momentMarks(style.moments ?? [], axisEnd, dark);
  // Moment numbers sit above the plot: the grid leaves them a row under the legend.
  const momentRowPx = moments.length === 0 ? 0 : 10;
  const axis = { axisLabel: { color: text }, axisLine: { lineStyle: { color: colours.line } }, splitLine: { lineStyle: { color: colours.grid } } };
  return {
    animation: style.animation,
    backgroundColor: dark ? '#1e1f24' : '#ffffff',
    textStyle: { color: text, fontFamily: 'DejaVu Sans, sans-serif' },
    title: { text: title, left: 8, top: 4, textStyle: { fontSize: 13, color: text } },
    tooltip: { trigger: 'axis' },
    legend: { type: 'plain', top: 24, left: 8, right: 8, itemWidth: legendItemWidthPx, itemHeight: 8, itemGap: legendItemGapPx, textStyle: { color: text, fontSize: legendFontPx } },
    grid: { left: 60, right: 24, top: 32 + rows * legendRowPx + 8 + momentRowPx, bottom: 40 },
    xAxis: { type: 'value', name: 'time (s)', nameLocation: 'middle', nameGap: 24, min: 0, max: axisEnd, ...axis, splitLine: { show: false } },
    // The axis name beside the axis, turned, so it never meets the legend above the plot.
    yAxis: { type: 'value', name: yName, nameLocation: 'middle', nameRotate: 90, nameGap: 44, nameTextStyle: { color: text }, ...axis },
    series: first === undefined ? [] : [{ ...first, ...annotations(series, endMs, faultAreas, moments) }, ...rest],
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
  // The epoch never drops to 0 when nobody leads: it keeps the last one known (epochs only grow).
  let known: number | null = null;
  const epochs = series.windows.map((w) => {
    if (w.term > 0) known = Math.max(known ?? 0, w.term);
    return [seconds(w.endMs), known] as const;
  });
  // A band per stretch of one leader, coloured by the leader, one legend entry per replica that led.
  const stretches = new Map<string, Array<[number, number]>>();
  let current: { leader: string; startMs: number } | null = null;
  const close = (endMs: number) => {
    if (current !== null) stretches.set(current.leader, [...(stretches.get(current.leader) ?? []), [current.startMs, endMs]]);
    current = null;
  };
  for (const w of series.windows) {
    const startMs = w.endMs - series.windowMs;
    if (w.leader !== (current as { leader: string } | null)?.leader) {
      close(startMs);
      if (w.leader !== null) current = { leader: w.leader, startMs };
    }
  }
  close(series.windows.at(-1)?.endMs ?? 0);
  const bands = series.nodes
    .filter((node) => stretches.has(node))
    .map((node) => {
      const color = leaderColours[series.nodes.indexOf(node) % leaderColours.length] as string;
      return {
        name: `${node} leads`,
        type: 'line',
        color,
        data: [],
        markArea: { silent: true, itemStyle: { color, opacity: 0.22 }, label: { show: false }, data: (stretches.get(node) ?? []).map(([from, to]) => [{ xAxis: seconds(from) }, { xAxis: seconds(to) }]) },
      };
    });
  const option = frame('Leader / primary and term / view / ballot', series, 'term', style, [
    { name: 'term / view / ballot', type: 'line', step: 'end', showSymbol: false, connectNulls: false, color: style.theme === 'dark' ? '#ddd' : '#2c3e50', lineStyle: { width: 2 }, data: epochs },
    ...bands,
  ], false);
  return { ...option, yAxis: { ...(option.yAxis as object), minInterval: 1 } };
}

/** One colour per replica for the leader bands (n1, n2, …). */
const leaderColours = ['#2980b9', '#27ae60', '#8e44ad', '#d35400', '#16a085', '#c0392b', '#f39c12', '#2c3e50', '#7f8c8d'];

export function commitIndexOption(series: MetricsSeries, style: ChartStyle = chartStyleDefault): ChartOption {
  return frame('Commit index per replica', series, 'index', style, series.nodes.map((node) => line(node, series.windows, (w) => w.commitIndex[node] ?? 0)));
}

/** Links drawn one by one at most; the quieter ones are summed into one line, so the legend fits. */
export const messageLinksShownMax = 6;

export function messagesByLinkOption(series: MetricsSeries, style: ChartStyle = chartStyleDefault): ChartOption {
  const totals = new Map<string, number>();
  for (const w of series.windows) for (const [link, count] of Object.entries(w.messagesByLink)) totals.set(link, (totals.get(link) ?? 0) + count);
  const busiest = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = busiest.slice(0, messageLinksShownMax).map(([link]) => link).sort();
  const others = busiest.slice(messageLinksShownMax).map(([link]) => link);
  const perSecond = series.windowMs / 1000;
  const lines = shown.map((link) => line(link.replace('>', '→'), series.windows, (w) => (w.messagesByLink[link] ?? 0) / perSecond, { lineStyle: { width: 1 } }));
  if (others.length > 0) lines.push(line(`${others.length} other links, summed`, series.windows, (w) => others.reduce((sum, link) => sum + (w.messagesByLink[link] ?? 0), 0) / perSecond, { color: '#95a5a6', lineStyle: { width: 1, type: 'dashed' } }));
  return frame('Messages per second per link (busiest)', series, 'msgs/s', style, lines);
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
