import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ChartOption } from '../../src/contract/engine';
import type { ProtocolName } from '../../src/contract/engine';
import type { MetricsSeries } from '../../src/contract/engine';
import { labHost, messageOf, textOfBase64 } from '../lab/labHost';
import type { ChosenExperiment } from './experiment';
import { appendMetricsBatch, emptySeries, withViolationsFromCsv } from './liveSeries';
import { protocolBadges } from './protocols';
import type { RunSummary } from './run';

export type Protocol = ProtocolName;

/** One side of a comparison: the same experiment, seed and fault schedule on one protocol. */
export interface CompareSide {
  readonly protocol: Protocol;
  readonly runId: string | null;
  readonly series: MetricsSeries;
  readonly summary: RunSummary | null;
  readonly nowMs: number;
  /** The series carries the oracle's violations per window (from the ended run's metrics.csv). */
  readonly violationsCounted: boolean;
  /** Why they could not be counted, when the export failed. */
  readonly violationsProblem: string | null;
}

/** Compare is three-way (issue 16): Raft, VR and Multi-Paxos, in this order. */
export const compareProtocols: readonly Protocol[] = ['raft', 'vr', 'paxos'];

const emptySide = (protocol: Protocol): CompareSide => ({ protocol, runId: null, series: emptySeries([]), summary: null, nowMs: 0, violationsCounted: false, violationsProblem: null });

/**
 * Compare: one experiment run on Raft, VR and Multi-Paxos with the same seed and the same fault
 * schedule (startRun calls that differ only in `protocol`), at speed max, their charts side by
 * side. When a run ends its files are exported once, for the oracle's violations per window.
 */
export const useCompareStore = defineStore('compare', () => {
  const sides = shallowRef<readonly CompareSide[]>(compareProtocols.map(emptySide));
  const experimentTitle = ref('');
  const seed = ref<number | null>(null);
  const running = ref(false);
  const error = ref<string | null>(null);
  let unsubscribe: Array<() => void> = [];
  /** Exports one at a time: each replays its run. */
  let exports: Promise<void> = Promise.resolve();
  let attempt = 0;

  const done = computed(() => sides.value.every((side) => side.summary !== null));
  /** Every run ended and every export answered (counted or not). */
  const settled = computed(() => sides.value.every((side) => side.summary !== null && (side.violationsCounted || side.violationsProblem !== null)));
  const rows = computed(() => (done.value ? differenceRows(sides.value) : []));

  function update(runId: string, change: (side: CompareSide) => CompareSide): void {
    if (!sides.value.some((side) => side.runId === runId)) return;
    sides.value = sides.value.map((side) => (side.runId === runId ? change(side) : side));
    if (done.value) running.value = false;
  }

  function ended(runId: string, summary: RunSummary): void {
    const side = sides.value.find((each) => each.runId === runId);
    if (side === undefined || side.summary !== null) return;
    update(runId, (current) => ({ ...current, summary }));
    const mine = attempt;
    exports = exports.then(() => (mine === attempt ? countViolations(runId) : undefined));
  }

  /** The oracle counts violations when a run ends; the exported metrics.csv has them per window. */
  async function countViolations(runId: string): Promise<void> {
    try {
      const exported = await labHost().lab.exportRun({ runId });
      const csv = exported.files.find((file) => file.name === 'metrics.csv');
      if (csv === undefined) throw new Error('the export has no metrics.csv');
      const text = textOfBase64(csv.base64);
      update(runId, (side) => ({ ...side, series: withViolationsFromCsv(side.series, text), violationsCounted: true }));
    } catch (failure) {
      update(runId, (side) => ({ ...side, violationsProblem: `the violations per window could not be counted: ${messageOf(failure)}` }));
    }
  }

  function listen(): void {
    const lab = labHost().lab;
    unsubscribe.forEach((off) => off());
    unsubscribe = [
      lab.on('metrics', (batch) => update(batch.runId, (side) => ({ ...side, series: appendMetricsBatch(side.series, batch), nowMs: batch.nowMs }))),
      lab.on('runEnded', (event) => ended(event.runId, event.summary)),
    ];
  }

  /** Starts the three runs; returns whether all started. */
  async function start(chosen: ChosenExperiment, runSeed: number): Promise<boolean> {
    if (running.value) return false;
    attempt++;
    error.value = null;
    experimentTitle.value = chosen.title;
    seed.value = runSeed;
    sides.value = compareProtocols.map(emptySide);
    running.value = true;
    listen();
    try {
      for (const protocol of compareProtocols) {
        const started = await labHost().lab.startRun({ text: chosen.text, source: chosen.source, runtime: 'sim', speed: 'max', seed: runSeed, protocol });
        // Events of this run may have come before its id was known (speed max); the polled state below catches up.
        sides.value = sides.value.map((side) => (side.protocol === protocol ? { ...side, runId: started.runId, series: emptySeries(started.nodes) } : side));
      }
      await catchUp();
      return true;
    } catch (failure) {
      running.value = false;
      error.value = `Could not start the comparison: ${messageOf(failure)}`;
      return false;
    }
  }

  /** Asks each side's state once: a run that ended before its id was known gets its summary. */
  async function catchUp(): Promise<void> {
    for (const side of sides.value) {
      if (side.runId === null || side.summary !== null) continue;
      const state = await labHost().lab.runState({ runId: side.runId });
      if (state.done && state.summary !== null) ended(side.runId, state.summary);
    }
  }

  /** Resolves once every export asked for so far has answered (tests, and the view's status). */
  const exportsSettled = (): Promise<void> => exports;

  return { sides, experimentTitle, seed, running, error, done, settled, rows, start, catchUp, exportsSettled };
});

// ---- Shared scales ---------------------------------------------------------------------------------

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `value` (a round axis end); 1 for nothing to show. */
export function roundAxisEnd(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value * (1 - 1e-12)) return +(step * power).toPrecision(12);
  return 10 * power;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The highest value an option draws on its first y-axis; stacked bars count by their stack's total. */
export function primaryAxisPeak(option: ChartOption): number {
  let peak = 0;
  const stacks = new Map<string, Map<number, number>>();
  for (const series of Array.isArray(option.series) ? option.series : []) {
    if (!isRecord(series) || (typeof series.yAxisIndex === 'number' && series.yAxisIndex !== 0) || !Array.isArray(series.data)) continue;
    const stack = typeof series.stack === 'string' ? series.stack : null;
    for (const point of series.data) {
      if (!Array.isArray(point) || typeof point[1] !== 'number' || !Number.isFinite(point[1])) continue;
      if (stack === null) {
        peak = Math.max(peak, point[1]);
        continue;
      }
      const totals = stacks.get(stack) ?? new Map<number, number>();
      stacks.set(stack, totals);
      const total = (totals.get(Number(point[0])) ?? 0) + point[1];
      totals.set(Number(point[0]), total);
      peak = Math.max(peak, total);
    }
  }
  return peak;
}

function withAxisMax(option: ChartOption, axis: 'xAxis' | 'yAxis', max: number): ChartOption {
  const current = option[axis];
  if (Array.isArray(current)) return { ...option, [axis]: current.map((each, index) => (index === 0 && isRecord(each) ? { ...each, min: 0, max } : each)) };
  return isRecord(current) ? { ...option, [axis]: { ...current, min: 0, max } } : option;
}

/**
 * One chart's options for every compared run on one scale: the same y range (0 to a round end
 * above the highest value any run drew; a chart that fixes its own range, as availability's 0..1,
 * keeps it) and the same time axis, so a taller line means more, not a different scale.
 */
export function sharedScale(options: readonly ChartOption[]): ChartOption[] {
  const fixedMax = (option: ChartOption) => {
    const axis = Array.isArray(option.yAxis) ? option.yAxis[0] : option.yAxis;
    return isRecord(axis) && typeof axis.max === 'number' ? axis.max : null;
  };
  const yMax = roundAxisEnd(Math.max(0, ...options.map((option) => fixedMax(option) ?? primaryAxisPeak(option))));
  const xMax = Math.max(0, ...options.map((option) => (isRecord(option.xAxis) && typeof option.xAxis.max === 'number' ? option.xAxis.max : 0)));
  return options.map((option) => withAxisMax(withAxisMax(option, 'yAxis', fixedMax(option) ?? yMax), 'xAxis', xMax));
}

// ---- The difference table ----------------------------------------------------------------------------

/** One row of the difference table: each protocol's value (null: not measured) and a one-line reading. */
export interface DifferenceRow {
  readonly metric: 'downtime' | 'messagesPerOp' | 'p99' | 'availability' | 'violations';
  readonly label: string;
  readonly values: ReadonlyArray<{ readonly protocol: Protocol; readonly value: number | null; readonly shown: string }>;
  readonly reading: string;
}

const at = (summary: RunSummary | null, path: string): number | null => {
  let value: unknown = summary;
  for (const part of path.split('.')) value = isRecord(value) ? value[part] : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};

/**
 * Downtime: the time in windows (250 ms) where clients were offering operations and none completed
 * ok, ms: an election's gap, a minority cut off from everything. A partition that leaves a
 * majority serving is not downtime.
 */
export function downtimeMs(series: MetricsSeries): number {
  let total = 0;
  for (const window of series.windows) if (window.offered > 0 && window.ok === 0) total += window.endMs - window.startMs;
  return total;
}

const violationKinds: ReadonlyArray<readonly [string, string, string]> = [
  ['violations.linearizability', 'not-linearizable key', 'not-linearizable keys'],
  ['violations.staleRead', 'stale read', 'stale reads'],
  ['violations.lostWrite', 'lost write', 'lost writes'],
  ['violations.monotonicRead', 'monotonic-read break', 'monotonic-read breaks'],
  ['violations.readYourWrites', 'read-your-writes break', 'read-your-writes breaks'],
  ['violations.divergence', 'diverged key', 'diverged keys'],
];

/** Every violation the run's checks counted, and in words by kind ("2 stale reads, 1 lost write"). */
export function violationsOf(summary: RunSummary | null): { total: number | null; words: string } {
  if (summary === null) return { total: null, words: '' };
  let total = 0;
  const words: string[] = [];
  for (const [path, one, many] of violationKinds) {
    const count = at(summary, path) ?? 0;
    total += count;
    if (count > 0) words.push(`${count} ${count === 1 ? one : many}`);
  }
  return { total, words: words.join(', ') };
}

const list = (names: readonly string[]): string => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/** A row's reading: who did best and who worst, by how much; or that they were level. */
function rankReading(
  values: ReadonlyArray<{ protocol: Protocol; value: number | null; shown: string }>,
  higherIsBetter: boolean,
  words: { best: string; worst: string; level: string; ratio?: string; close: (best: number, worst: number) => boolean },
): string {
  const measured = values.filter((each): each is { protocol: Protocol; value: number; shown: string } => each.value !== null);
  const name = (protocol: Protocol) => protocolBadges[protocol];
  const missing = values.filter((each) => each.value === null).map((each) => name(each.protocol));
  const tail = missing.length === 0 ? '' : ` (${list(missing)}: not measured)`;
  const sorted = [...measured].sort((a, b) => (higherIsBetter ? b.value - a.value : a.value - b.value));
  const [best] = sorted;
  const worst = sorted[sorted.length - 1];
  if (best === undefined || worst === undefined) return 'Not measured on any of the runs.';
  if (measured.length === 1) return `Only ${name(best.protocol)} measured it: ${best.shown}${tail}.`;
  if (best.shown === worst.shown) return `${words.level} (${best.shown})${tail}.`;
  if (words.close(best.value, worst.value)) return `${words.level}, near enough (${lowToHigh(best, worst)})${tail}.`;
  const bestNames = list(measured.filter((each) => each.shown === best.shown).map((each) => name(each.protocol)));
  const worstNames = list(measured.filter((each) => each.shown === worst.shown).map((each) => name(each.protocol)));
  const ratio = words.ratio !== undefined && best.value > 0 && worst.value / best.value >= 1.1 ? `, ${(worst.value / best.value).toFixed(1)}× ${words.ratio}` : '';
  return `${bestNames} ${words.best} (${best.shown}); ${worstNames} ${words.worst} (${worst.shown}${ratio})${tail}.`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function lowToHigh(a: { value: number; shown: string }, b: { value: number; shown: string }): string {
  return a.value <= b.value ? `${a.shown} to ${b.shown}` : `${b.shown} to ${a.shown}`;
}

/** Within 5 % of each other: a difference the reading does not rank. */
const withinRatio = (best: number, worst: number) => Math.abs(worst - best) <= 0.05 * Math.max(Math.abs(best), Math.abs(worst));
/** Availability: within half a percentage point. */
const withinHalfPoint = (best: number, worst: number) => Math.abs(worst - best) < 0.005;
/** Downtime: within one 250 ms window. */
const withinWindow = (best: number, worst: number) => Math.abs(worst - best) <= 250;

/** The difference table of ended runs: downtime, messages per operation, p99, availability, violations. */
export function differenceRows(compared: readonly CompareSide[]): DifferenceRow[] {
  const values = (value: (side: CompareSide) => number | null, shown: (value: number) => string) =>
    compared.map((side) => {
      const measured = value(side);
      return { protocol: side.protocol, value: measured, shown: measured === null ? '—' : shown(measured) };
    });
  const downtime = values((side) => (side.summary === null ? null : downtimeMs(side.series)), seconds);
  const messages = values((side) => at(side.summary, 'messagesPerOp'), (value) => value.toFixed(1));
  const p99 = values((side) => at(side.summary, 'latencyMs.p99'), (value) => `${value.toFixed(1)} ms`);
  const availability = values((side) => at(side.summary, 'availability'), (value) => `${(value * 100).toFixed(1)} %`);
  const violations = values((side) => violationsOf(side.summary).total, String);

  const broke = compared.filter((side) => (violationsOf(side.summary).total ?? 0) > 0);
  const violationReading =
    broke.length === 0
      ? 'None of the three broke a guarantee the checks look for.'
      : `${broke.map((side) => `${protocolBadges[side.protocol]}: ${violationsOf(side.summary).words}`).join('; ')}${broke.length < compared.length ? `; ${list(compared.filter((side) => !broke.includes(side)).map((side) => protocolBadges[side.protocol]))}: none` : ''}.`;
  return [
    {
      metric: 'downtime',
      label: 'Downtime (250 ms windows with nothing ok)',
      values: downtime,
      reading: downtime.every((each) => each.value === 0)
        ? 'Every window had some operation ok, on all three.'
        : rankReading(downtime, false, { best: 'was out of service the least', worst: 'the longest', level: 'Out of service for the same time on all three', close: withinWindow }),
    },
    {
      metric: 'messagesPerOp',
      label: 'Messages per operation',
      values: messages,
      reading: rankReading(messages, false, { best: 'needed the fewest messages per operation', worst: 'the most', level: 'The same number of messages per operation on all three', ratio: 'as many', close: withinRatio }),
    },
    {
      metric: 'p99',
      label: 'p99 latency (from the intended start)',
      values: p99,
      reading: rankReading(p99, false, { best: 'answered fastest at the 99th percentile', worst: 'slowest', level: 'The same p99 on all three', ratio: 'as long', close: withinRatio }),
    },
    {
      metric: 'availability',
      label: 'Availability (answered in time ÷ offered)',
      values: availability,
      reading: rankReading(availability, true, { best: 'answered the most of what was offered', worst: 'the least', level: 'The same availability on all three', close: withinHalfPoint }),
    },
    { metric: 'violations', label: 'Violations (oracle and checker)', values: violations, reading: violationReading },
  ];
}
