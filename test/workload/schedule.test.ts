import { describe, expect, it } from 'vitest';
import { type ClientId, clientId, nodeId, requestId } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import { HistoryRecorder } from '../../src/history/recorder';
import type { TraceEvent } from '../../src/history/trace';
import { type ClientRequest, policyCp } from '../../src/kv/command';
import { MetricsCollector } from '../../src/metrics/collector';
import { PoissonSchedule } from '../../src/workload/schedule';
import { Workload, type WorkloadSpec, workloadStreams } from '../../src/workload/clients';

describe('the schedule of intended starts (ARCHITECTURE §5)', () => {
  it('follows the rate: a Poisson process, mean gap 1/rate, about rate × time starts', () => {
    const schedule = new PoissonSchedule(50, prngStream(3, 'schedule-test'));
    const starts: number[] = [];
    for (let at = schedule.next(); at < 200e6; at = schedule.next()) starts.push(at);
    expect(starts.length).toBeGreaterThan(50 * 200 * 0.95);
    expect(starts.length).toBeLessThan(50 * 200 * 1.05);
    const gaps = starts.slice(1).map((at, index) => at - (starts[index] as number));
    expect(gaps.every((gap) => gap >= 1)).toBe(true);
    // Exponential gaps: the standard deviation equals the mean.
    const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    const deviation = Math.sqrt(gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeGreaterThan(20_000 * 0.95);
    expect(mean).toBeLessThan(20_000 * 1.05);
    expect(deviation / mean).toBeGreaterThan(0.9);
    expect(deviation / mean).toBeLessThan(1.1);
  });
});

/**
 * One client against a stand-in cluster that answers every request `answerUs` after it arrives,
 * except that requests arriving in [stallFromUs, stallUntilUs) are all answered at stallUntilUs.
 */
function stalledRun(options: { stallFromUs: number; stallUntilUs: number; timeoutMs: number; ratePerSec: number; endUs: number }) {
  const answerUs = 1000;
  const queue: Array<{ atUs: number; order: number; action: () => void }> = [];
  let nowUs = 0;
  let order = 0;
  let requestNext = 0;
  const at = (atUs: number, action: () => void) => queue.push({ atUs, order: order++, action });
  const trace: TraceEvent[] = [];
  const metrics = new MetricsCollector(250);
  const record = (event: TraceEvent) => {
    trace.push(event);
    metrics.observe(event);
  };
  record({ t: 0, kind: 'header', format: 'caplab-trace/1', experiment: 'stall', protocol: 'raft', seed: 1, nodes: ['n1'] });
  const recorder = new HistoryRecorder(() => nowUs, record);
  const spec: WorkloadSpec = { clients: 1, ratePerSec: options.ratePerSec, mix: { read: 0, write: 1, cas: 0 }, keys: 1, keyDistribution: 'uniform', zipfExponent: 1, timeoutMs: options.timeoutMs, routing: 'sticky' };
  const send = (_to: unknown, request: ClientRequest) => {
    const answerAtUs = nowUs >= options.stallFromUs && nowUs < options.stallUntilUs ? options.stallUntilUs : nowUs + answerUs;
    at(answerAtUs, () => workload.onReply({ requestId: request.requestId, clientId: request.clientId, result: { type: 'ok' }, leaderHint: null }));
  };
  const workload: Workload = new Workload(spec, [nodeId('n1')], { nowUs: () => nowUs, at, send, nextRequestId: () => requestId(++requestNext), policy: () => policyCp }, recorder, workloadStreams(9));
  workload.start();
  let stopped = false;
  while (queue.length > 0) {
    queue.sort((a, b) => a.atUs - b.atUs || a.order - b.order);
    const next = queue.shift()!;
    if (!stopped && next.atUs >= options.endUs) {
      stopped = true;
      workload.stop();
    }
    nowUs = next.atUs;
    next.action();
  }
  metrics.finish(nowUs + 1);
  // The schedule the client followed, drawn again from the same stream.
  const schedule = new PoissonSchedule(options.ratePerSec, workloadStreams(9).schedule(clientId(1) as ClientId));
  const intended: number[] = [];
  for (let start = schedule.next(); start < options.endUs; start = schedule.next()) intended.push(start);
  return { trace, intended, metrics: metrics.serviceTotals(), answerUs };
}

describe('a client that waits (coordinated omission)', () => {
  it('a stall shorter than the timeout: every intended operation is issued, late ones measured from their intended start', () => {
    const stallFromUs = 2_000_000;
    const stallUntilUs = 2_400_000;
    const run = stalledRun({ stallFromUs, stallUntilUs, timeoutMs: 1000, ratePerSec: 20, endUs: 5_000_000 });
    const invokes = run.trace.filter((event) => event.kind === 'invoke');
    const completes = new Map(run.trace.flatMap((event) => (event.kind === 'complete' ? [[event.op, event] as const] : [])));
    expect(invokes.map((event) => event.intended ?? event.t)).toEqual(run.intended);
    expect(run.metrics.missed).toBe(0);
    expect(run.metrics.offered).toBe(run.intended.length);
    expect(run.metrics.served).toBe(run.intended.length);
    const stalled = invokes.filter((event) => (event.intended ?? event.t) >= stallFromUs && (event.intended ?? event.t) < stallUntilUs);
    expect(stalled.length).toBeGreaterThan(2);
    for (const invoke of stalled) {
      const intendedUs = invoke.intended ?? invoke.t;
      const completedUs = completes.get(invoke.op)!.t;
      // Corrected: the operation waited from its intended start until the stall ended (and the answer came).
      expect(completedUs - intendedUs).toBeGreaterThanOrEqual(stallUntilUs - intendedUs);
      expect(completedUs - intendedUs).toBeLessThanOrEqual(stallUntilUs - intendedUs + stalled.length * run.answerUs);
    }
    // The first operation meant to start in the stall waited the whole of it from its intended start: corrected max ≈ the stall.
    const first = stalled[0]!;
    expect(completes.get(first.op)!.t - (first.intended ?? first.t)).toBe(stallUntilUs - (first.intended ?? first.t));
    expect(run.metrics.latencyMs!.max).toBeGreaterThanOrEqual((stallUntilUs - (first.intended ?? first.t)) / 1000 - 1);
    // Uncorrected, the ones the client issued after the stall look fast: the answer delay alone.
    const issuedAfter = stalled.filter((invoke) => invoke.intended !== undefined);
    expect(issuedAfter.length).toBeGreaterThan(1);
    for (const invoke of issuedAfter) expect(completes.get(invoke.op)!.t - invoke.t).toBeLessThanOrEqual(stalled.length * run.answerUs);
  });

  it('a stall longer than the timeout: the operations the blocked client could not issue in time are missed, not in the history', () => {
    const stallFromUs = 1_000_000;
    const stallUntilUs = 4_000_000;
    const run = stalledRun({ stallFromUs, stallUntilUs, timeoutMs: 500, ratePerSec: 20, endUs: 6_000_000 });
    const invokes = run.trace.filter((event) => event.kind === 'invoke');
    const missed = run.trace.filter((event) => event.kind === 'missed');
    expect(missed.length).toBeGreaterThan(20);
    // Every intended start is either an operation of the history or a missed one, exactly once.
    expect([...invokes.map((event) => event.intended ?? event.t), ...missed.map((event) => event.intended)].sort((a, b) => a - b)).toEqual(run.intended);
    for (const event of missed) {
      expect(event.intended).toBeGreaterThanOrEqual(stallFromUs);
      expect(event.intended).toBeLessThan(stallUntilUs);
      expect(event.t).toBe(event.intended + 500_000);
    }
    expect(run.metrics.missed).toBe(missed.length);
    expect(run.metrics.offered).toBe(run.intended.length);
    // Timed out (info) or missed during the stall: none of those is served.
    const served = run.trace.filter((event) => event.kind === 'complete' && event.served === true).length;
    expect(run.metrics.served).toBe(served);
    expect(run.metrics.served).toBeLessThan(run.intended.length - missed.length);
  });
});
