import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { chartBuilders } from '../../src/metrics/charts';
import { metricsCsv } from '../../src/metrics/csv';
import type { MetricsSeries, MetricsWindow } from '../../src/metrics/series';
import { setLabHost } from '../../renderer/lab/labHost';
import { type CompareSide, differenceRows, downtimeMs, primaryAxisPeak, roundAxisEnd, sharedScale, useCompareStore, violationsOf } from '../../renderer/stores/compare';
import { type FakeAnswers, fakeLabHost } from './fakeLabHost';
import { fakeSummary } from '../support/labFixtures';
import type { RunSummary } from '../../src/contract/lab';

// Compare is three-way (issues 16 and 17 item 5): Raft, VR and Multi-Paxos on the same seed and
// fault schedule, one scale per chart row, a difference table whose every row is read in a line.

const noViolations = { staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 };

function window(startMs: number, fields: Partial<MetricsWindow> = {}): MetricsWindow {
  return {
    startMs,
    endMs: startMs + 250,
    ok: 10,
    fail: 0,
    info: 0,
    latencyMs: { p50: 2, p95: 4, p99: 5, max: 6 },
    latencyMsUncorrected: { p50: 2, p95: 4, p99: 5, max: 6 },
    offered: 10,
    served: 10,
    missed: 0,
    availability: 1,
    availabilityBySide: { majority: null, minority: null },
    violations: noViolations,
    leader: 'n1',
    term: 1,
    commitIndex: { n1: 1, n2: 1, n3: 1 },
    messagesByLink: { 'n1>n2': 5 },
    messagesSent: 10,
    ...fields,
  };
}

const seriesOf = (windows: MetricsWindow[]): MetricsSeries => ({ windowMs: 250, nodes: ['n1', 'n2', 'n3'], windows, faults: [], markers: [] });

/** A fake lab whose three runs end with the given summaries, and whose exports carry each run's own metrics.csv. */
function fakeLab(csvOf: (runId: string) => string | null) {
  let runIdNext = 0;
  const answers: FakeAnswers = {
    startRun: (request) => ({ runId: `run-${++runIdNext}`, nodes: ['n1', 'n2', 'n3'], protocol: request.protocol }),
    runState: (request) => ({ runId: request.runId, nowMs: 10, done: false, paused: false, consistency: 'cp', nodes: [], links: [], summary: null }),
    exportRun: (request) => {
      const csv = csvOf(String(request.runId));
      if (csv === null) throw new Error('run-2 is no longer kept');
      return { files: [{ name: 'metrics.csv', base64: btoa(csv) }] };
    },
  };
  return fakeLabHost(answers);
}

const chosen = { name: 'e', title: 'E', description: '', protocol: 'raft' as const, consistency: 'cp', nodes: 3, seed: 2, text: 'name: e', source: 'e.yaml' };

beforeEach(() => setActivePinia(createPinia()));

describe('the three-way compare store', () => {
  it('runs one experiment and seed on Raft, VR and Multi-Paxos, and draws each run’s violations per window once its export answers', async () => {
    // run-1's oracle found two stale reads in its second window; run-2's export fails; run-3 had none.
    const counted = seriesOf([window(0), window(250, { violations: { ...noViolations, staleRead: 2 } })]);
    const fake = fakeLab((runId) => (runId === 'run-1' ? metricsCsv(counted) : runId === 'run-3' ? metricsCsv(seriesOf([window(0), window(250)])) : null));
    setLabHost(fake.host);
    const compare = useCompareStore();
    expect(await compare.start(chosen, 7)).toBe(true);
    expect(fake.calls.filter((call) => call.call === 'startRun').map((call) => [call.request.protocol, call.request.seed, call.request.speed])).toEqual([
      ['raft', 7, 'max'],
      ['vr', 7, 'max'],
      ['paxos', 7, 'max'],
    ]);
    for (const runId of ['run-1', 'run-2', 'run-3']) fake.emit('metrics', { runId, nowMs: 500, windows: [window(0), window(250)], faults: [], markers: [] });
    expect(compare.rows).toEqual([]);
    expect(compare.sides.every((side) => !side.violationsCounted)).toBe(true);

    fake.emit('runEnded', { runId: 'run-1', summary: fakeSummary({ availability: 1, messagesPerOp: 9 }) });
    fake.emit('runEnded', { runId: 'run-2', summary: fakeSummary({ availability: 1, messagesPerOp: 6 }) });
    expect(compare.done).toBe(false);
    fake.emit('runEnded', { runId: 'run-3', summary: fakeSummary({ availability: 1, messagesPerOp: 7 }) });
    expect(compare.done).toBe(true);
    expect(compare.running).toBe(false);
    await compare.exportsSettled();

    expect(fake.calls.filter((call) => call.call === 'exportRun').map((call) => call.request.runId)).toEqual(['run-1', 'run-2', 'run-3']);
    const [raft, vr, paxos] = compare.sides as [CompareSide, CompareSide, CompareSide];
    expect(raft.violationsCounted).toBe(true);
    expect(raft.series.windows.map((each) => each.violations.staleRead)).toEqual([0, 2]);
    expect(vr.violationsCounted).toBe(false);
    expect(vr.violationsProblem).toContain('run-2 is no longer kept');
    expect(paxos.violationsCounted).toBe(true);
    expect(compare.settled).toBe(true);
    expect(compare.rows.map((row) => row.metric)).toEqual(['downtime', 'messagesPerOp', 'p99', 'availability', 'violations']);
  });

  it('a comparison started again forgets the old runs: their late exports do not reach the new sides', async () => {
    const fake = fakeLab(() => metricsCsv(seriesOf([window(0)])));
    setLabHost(fake.host);
    const compare = useCompareStore();
    await compare.start(chosen, 1);
    for (const runId of ['run-1', 'run-2', 'run-3']) fake.emit('runEnded', { runId, summary: fakeSummary({ availability: 1 }) });
    // Started again before the old runs' exports answered.
    await compare.start(chosen, 2);
    await compare.exportsSettled();
    expect(compare.sides.map((side) => side.runId)).toEqual(['run-4', 'run-5', 'run-6']);
    expect(compare.sides.every((side) => side.summary === null && !side.violationsCounted)).toBe(true);
  });
});

describe('one scale per chart across the compared runs', () => {
  it('round axis ends', () => {
    expect([0, 0.3, 1, 1.2, 2, 2.1, 3, 7, 10, 11, 240, 260].map(roundAxisEnd)).toEqual([1, 0.5, 1, 2, 2, 2.5, 5, 10, 10, 20, 250, 500]);
  });

  it('every run’s chart of a kind gets the same y range (stacked bars by their total) and the same time axis', () => {
    const quiet = seriesOf([window(0, { ok: 5 })]);
    const busy = seriesOf([window(0, { ok: 40 }), window(250, { ok: 60, violations: { ...noViolations, staleRead: 3, lostWrite: 4 } })]);
    const build = (name: string) => chartBuilders.find((each) => each.name === name)?.build ?? (() => ({}));
    const throughput = sharedScale([quiet, busy, quiet].map((series) => build('throughput')(series)));
    // 60 ok in a 250 ms window is 240 ops/s: the axis ends at 250 on all three, and the time axis at 0.5 s.
    expect(throughput.map((option) => (option.yAxis as { max: number }).max)).toEqual([250, 250, 250]);
    expect(throughput.map((option) => (option.xAxis as { max: number }).max)).toEqual([0.5, 0.5, 0.5]);
    expect(primaryAxisPeak(build('violations')(busy))).toBe(7);
    const violations = sharedScale([quiet, busy].map((series) => build('violations')(series)));
    expect(violations.map((option) => (option.yAxis as { max: number }).max)).toEqual([10, 10]);
    // Availability keeps its own 0..1; the leader chart (a band per leader over one term axis since
    // the chart redesign of issue 17; no node axis any more) scales its term axis.
    expect(sharedScale([quiet, busy].map((series) => build('availability')(series))).map((option) => (option.yAxis as { max: number }).max)).toEqual([1, 1]);
    const leader = sharedScale([quiet, seriesOf([window(0, { term: 31 })])].map((series) => build('leader')(series)));
    expect(leader.map((option) => (option.yAxis as { max?: number }).max)).toEqual([50, 50]);
  });
});

describe('the difference table and its readings', () => {
  const side = (protocol: CompareSide['protocol'], summary: Partial<RunSummary>, windows: MetricsWindow[]): CompareSide => ({
    protocol,
    runId: `run-${protocol}`,
    series: seriesOf(windows),
    summary: fakeSummary(summary),
    nowMs: 1000,
    violationsCounted: true,
    violationsProblem: null,
  });
  /** Latency percentiles whose p99 is the one the table reads. */
  const latency = (p99: number) => ({ p50: p99, p95: p99, p99, max: p99 });
  const down = window(250, { ok: 0, served: 0, availability: 0 });
  const violations = { linearizability: 0, staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0, divergence: 0 };

  it('downtime counts only the windows where clients offered and nothing completed ok', () => {
    expect(downtimeMs(seriesOf([window(0), down, down, window(750, { ok: 0, offered: 0, served: 0, availability: null })]))).toBe(500);
  });

  it('violations add every kind the checks count, and say which', () => {
    expect(violationsOf(fakeSummary({ violations: { ...violations, staleRead: 2, lostWrite: 1, linearizability: null } }))).toEqual({ total: 3, words: '2 stale reads, 1 lost write' });
    expect(violationsOf(null).total).toBeNull();
  });

  it('each row names the best and the worst, by how much, or says they were level', () => {
    const rows = differenceRows([
      side('raft', { messagesPerOp: 11.3, latencyMs: latency(20), availability: 0.95, violations }, [window(0), down]),
      side('vr', { messagesPerOp: 7.4, latencyMs: latency(40), availability: 0.9, violations: { ...violations, staleRead: 2 } }, [window(0), down, down]),
      side('paxos', { messagesPerOp: 9.3, latencyMs: null, availability: 0.95, violations }, [window(0), window(250)]),
    ]);
    const byMetric = new Map(rows.map((row) => [row.metric, row]));
    expect(byMetric.get('downtime')?.values.map((each) => each.shown)).toEqual(['0.25 s', '0.50 s', '0.00 s']);
    expect(byMetric.get('downtime')?.reading).toBe('Paxos was out of service the least (0.00 s); VR the longest (0.50 s).');
    expect(byMetric.get('messagesPerOp')?.reading).toBe('VR needed the fewest messages per operation (7.4); Raft the most (11.3, 1.5× as many).');
    // A p99 not measured (no ok operation) is left out of the ranking and said so.
    expect(byMetric.get('p99')?.values.map((each) => each.shown)).toEqual(['20.0 ms', '40.0 ms', '—']);
    expect(byMetric.get('p99')?.reading).toBe('Raft answered fastest at the 99th percentile (20.0 ms); VR slowest (40.0 ms, 2.0× as long) (Paxos: not measured).');
    expect(byMetric.get('availability')?.reading).toBe('Raft and Paxos answered the most of what was offered (95.0 %); VR the least (90.0 %).');
    expect(byMetric.get('violations')?.values.map((each) => each.value)).toEqual([0, 2, 0]);
    expect(byMetric.get('violations')?.reading).toBe('VR: 2 stale reads; Raft and Paxos: none.');
  });

  it('differences within noise are not ranked: 5 % of a figure, half a point of availability, one window of downtime', () => {
    const summary = (p99: number, availability: number) => ({ messagesPerOp: 8, latencyMs: latency(p99), availability, violations });
    const rows = differenceRows([
      side('raft', summary(528.4, 0.951), [window(0), down]),
      side('vr', summary(523.5, 0.953), [window(0)]),
      side('paxos', summary(529.9, 0.949), [window(0), down]),
    ]);
    expect(rows.map((row) => row.reading).slice(0, 4)).toEqual([
      'Out of service for the same time on all three, near enough (0.00 s to 0.25 s).',
      'The same number of messages per operation on all three (8.0).',
      'The same p99 on all three, near enough (523.5 ms to 529.9 ms).',
      'The same availability on all three, near enough (94.9 % to 95.3 %).',
    ]);
  });

  it('level rows and clean runs read as such', () => {
    const same = { messagesPerOp: 8, latencyMs: latency(10), availability: 1, violations };
    const rows = differenceRows([side('raft', same, [window(0)]), side('vr', same, [window(0)]), side('paxos', same, [window(0)])]);
    expect(rows.map((row) => row.reading)).toEqual([
      'Every window had some operation ok, on all three.',
      'The same number of messages per operation on all three (8.0).',
      'The same p99 on all three (10.0 ms).',
      'The same availability on all three (100.0 %).',
      'None of the three broke a guarantee the checks look for.',
    ]);
  });
});
