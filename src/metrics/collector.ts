import * as hdr from 'hdr-histogram-js';
import { assert } from '../base/assert';
import type { Violation, ViolationKind } from '../checker/oracle';
import type { TraceEvent } from '../history/trace';
import type { FaultSpan, MetricsSeries, MetricsWindow, SeriesMarker } from './series';

const violationKinds: readonly ViolationKind[] = ['staleRead', 'lostWrite', 'monotonicRead', 'readYourWrites'];

interface OpenWindow {
  readonly startUs: number;
  ok: number;
  fail: number;
  info: number;
  readonly latency: hdr.Histogram;
  messagesSent: number;
  readonly messagesByLink: Map<string, number>;
}

interface OpenSpan {
  readonly kind: string;
  readonly detail: string;
  readonly startMs: number;
}

/**
 * Turns the trace, event by event, into windowed metrics (ARCHITECTURE §8, issue 5): throughput by
 * outcome, latency percentiles (HdrHistogram), availability, leader and term, commit index per
 * replica, messages per link, fault spans and the CP/AP switch. Both runtimes emit the same trace,
 * so both get the same metrics.
 */
export class MetricsCollector {
  private readonly windowUs: number;
  private readonly windows: MetricsWindow[] = [];
  private current: OpenWindow;
  private readonly invokedAtUs = new Map<number, number>();
  /** Replicas that claim leadership, with their term. */
  private readonly claims = new Map<string, number>();
  private readonly commitIndex: Record<string, number> = {};
  private readonly faults: FaultSpan[] = [];
  private readonly openSpans = new Map<string, OpenSpan>();
  private readonly markers: SeriesMarker[] = [];
  private nodes: readonly string[] = [];

  constructor(readonly windowMs: number) {
    assert(windowMs > 0, 'metrics window must be > 0 ms');
    this.windowUs = Math.round(windowMs * 1000);
    this.current = this.open(0);
  }

  private open(startUs: number): OpenWindow {
    return { startUs, ok: 0, fail: 0, info: 0, latency: hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2, useWebAssembly: false }), messagesSent: 0, messagesByLink: new Map() };
  }

  /** Closes every window that ends at or before `timeUs`. */
  private advanceTo(timeUs: number): void {
    while (timeUs >= this.current.startUs + this.windowUs) {
      this.closeCurrent();
      this.current = this.open(this.current.startUs + this.windowUs);
    }
  }

  private closeCurrent(): void {
    const window = this.current;
    const completed = window.ok + window.fail + window.info;
    const toMs = (us: number) => Math.round(us) / 1000;
    const latency = window.ok === 0 ? null : { p50: toMs(window.latency.getValueAtPercentile(50)), p95: toMs(window.latency.getValueAtPercentile(95)), p99: toMs(window.latency.getValueAtPercentile(99)), max: toMs(window.latency.maxValue) };
    window.latency.destroy();
    let leader: string | null = null;
    let term = 0;
    for (const [node, claimedTerm] of this.claims) if (claimedTerm >= term) [leader, term] = [node, claimedTerm];
    this.windows.push({
      startMs: window.startUs / 1000,
      endMs: (window.startUs + this.windowUs) / 1000,
      ok: window.ok,
      fail: window.fail,
      info: window.info,
      latencyMs: latency,
      availability: completed === 0 ? null : window.ok / completed,
      violations: { staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 },
      leader,
      term,
      commitIndex: { ...this.commitIndex },
      messagesByLink: Object.fromEntries(window.messagesByLink),
      messagesSent: window.messagesSent,
    });
  }

  private startSpan(key: string, kind: string, detail: string, atMs: number): void {
    this.endSpan(key, atMs);
    this.openSpans.set(key, { kind, detail, startMs: atMs });
  }

  private endSpan(key: string, atMs: number): void {
    const span = this.openSpans.get(key);
    if (span === undefined) return;
    this.openSpans.delete(key);
    this.faults.push({ ...span, endMs: atMs });
  }

  observe(event: TraceEvent): void {
    this.advanceTo(event.t);
    const atMs = event.t / 1000;
    switch (event.kind) {
      case 'header':
        this.nodes = event.nodes;
        for (const node of event.nodes) this.commitIndex[node] = 0;
        return;
      case 'send': {
        this.current.messagesSent++;
        const link = `${event.from}>${event.to}`;
        this.current.messagesByLink.set(link, (this.current.messagesByLink.get(link) ?? 0) + 1);
        return;
      }
      case 'invoke':
        this.invokedAtUs.set(event.op, event.t);
        return;
      case 'complete': {
        const calledUs = this.invokedAtUs.get(event.op);
        this.invokedAtUs.delete(event.op);
        this.current[event.output.type]++;
        if (event.output.type === 'ok' && calledUs !== undefined) this.current.latency.recordValue(Math.max(1, event.t - calledUs));
        return;
      }
      case 'role':
        if (event.role === 'leader' || event.role === 'primary') this.claims.set(event.node, event.term);
        else this.claims.delete(event.node);
        return;
      case 'commit':
        this.commitIndex[event.node] = event.commitIndex;
        return;
      case 'node':
        return this.observeNode(event.node, event.action, atMs);
      case 'fault':
        return this.observeFault(event.fault, event.detail, atMs);
      default:
        return;
    }
  }

  private observeNode(node: string, action: string, atMs: number): void {
    if (action === 'crash' || action === 'worker-died') {
      this.claims.delete(node);
      this.startSpan(`crash:${node}`, 'crash', node, atMs);
    } else if (action === 'restart') this.endSpan(`crash:${node}`, atMs);
    else if (action === 'pause') this.startSpan(`pause:${node}`, 'pause', node, atMs);
    else if (action === 'resume') this.endSpan(`pause:${node}`, atMs);
  }

  private observeFault(fault: string, detail: string, atMs: number): void {
    switch (fault) {
      case 'partition':
        this.startSpan('partition', 'partition', detail, atMs);
        return;
      case 'heal':
        this.endSpan('partition', atMs);
        for (const key of [...this.openSpans.keys()]) if (key.startsWith('disconnect:')) this.endSpan(key, atMs);
        return;
      case 'disconnect':
        this.startSpan(`disconnect:${detail}`, 'disconnect', detail, atMs);
        return;
      case 'connect':
        this.endSpan(`disconnect:${detail}`, atMs);
        return;
      case 'network':
        // A change of one link ("n1→n2 {…}") holds beside the change of every link, not instead of it.
        this.startSpan(networkSpanKey(detail), 'network', detail, atMs);
        return;
      case 'network-reset':
        for (const key of [...this.openSpans.keys()]) if (key === 'network' || key.startsWith('network:')) this.endSpan(key, atMs);
        return;
      case 'clock':
        this.startSpan(`clock:${detail.split(' ')[0]}`, 'clock', detail, atMs);
        return;
      case 'consistency':
        this.markers.push({ atMs, kind: 'consistency', label: detail });
        return;
      default:
        return;
    }
  }

  /** Windows closed so far (live charts poll this; the list only grows). */
  closedWindows(): readonly MetricsWindow[] {
    return this.windows;
  }

  /** Fault spans so far, the open ones with endMs null. */
  faultSpans(): FaultSpan[] {
    return [...this.faults, ...[...this.openSpans.values()].map((span) => ({ ...span, endMs: null }))].sort((a, b) => a.startMs - b.startMs);
  }

  markersSoFar(): readonly SeriesMarker[] {
    return this.markers;
  }

  /** Closes the series at `endUs` and assigns each violation to the window of its offending operation's completion. */
  finish(endUs: number, violations: readonly Violation[] = [], completionUsOf: (operationId: number) => number | null = () => null): MetricsSeries {
    this.advanceTo(endUs);
    if (this.current.startUs < endUs) this.closeCurrent();
    const endMs = endUs / 1000;
    for (const [key, span] of this.openSpans) {
      this.faults.push({ ...span, endMs: null });
      this.openSpans.delete(key);
    }
    const windows = this.windows.map((window) => ({ ...window, violations: { ...window.violations } }));
    for (const violation of violations) {
      const atUs = completionUsOf(violation.operations[0] as number);
      if (atUs === null) continue;
      const index = Math.min(Math.floor(atUs / this.windowUs), windows.length - 1);
      const window = windows[index];
      if (window !== undefined && violationKinds.includes(violation.kind)) window.violations[violation.kind]++;
    }
    return { windowMs: this.windowMs, nodes: this.nodes, windows, faults: [...this.faults].sort((a, b) => a.startMs - b.startMs), markers: this.markers.filter((marker) => marker.atMs <= endMs) };
  }
}

/** The span a network change opens: one per link it names ("n1→n2", "n1↔n2"), one for every link. */
function networkSpanKey(detail: string): string {
  const link = /^(n\d+[→↔]n\d+) /.exec(detail);
  return link === null ? 'network' : `network:${link[1] as string}`;
}
