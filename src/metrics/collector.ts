import type Histogram from 'hdr-histogram-js/dist/Histogram';
import { assert } from '../base/assert';
import type { Violation, ViolationKind } from '../checker/oracle';
import type { TraceEvent } from '../history/trace';
import type { FaultSpan, MetricsSeries, MetricsWindow, SeriesMarker } from './series';
import { latencyHistogram, newServiceCount, PartitionSides, percentilesMs, type ServiceCount, type ServiceTotals, serviceFraction, type Side } from './service';

const violationKinds: readonly ViolationKind[] = ['staleRead', 'lostWrite', 'monotonicRead', 'readYourWrites'];

interface OpenWindow {
  readonly startUs: number;
  /** Completions in the window, by outcome. */
  ok: number;
  fail: number;
  info: number;
  /** Of ok operations that completed in the window: from the intended start, and from the issue. */
  readonly latency: Histogram;
  readonly latencyUncorrected: Histogram;
  /** Operations whose intended start fell in the window (settled up to two timeouts later). */
  offered: ServiceCount;
  missed: number;
  readonly bySide: Record<Side, ServiceCount>;
  messagesSent: number;
  readonly messagesByLink: Map<string, number>;
  /** Who led and what had committed when the window's time ran out (set once, then kept). */
  sealed: { readonly leader: string | null; readonly term: number; readonly commitIndex: Readonly<Record<string, number>> } | null;
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
 *
 * Availability counts each offered operation in the window of its intended start (ARCHITECTURE §5),
 * which is known only once it is answered, times out or is missed: a window closes two client
 * timeouts after it ends, when every operation meant to start in it has settled.
 */
export class MetricsCollector {
  private readonly windowUs: number;
  private readonly windows: MetricsWindow[] = [];
  /** Windows not closed yet, oldest first; the first starts where the closed ones end. */
  private readonly open: OpenWindow[] = [];
  private readonly invokes = new Map<number, { readonly issuedUs: number; readonly intendedUs: number }>();
  /** Replicas that claim leadership, with their term. */
  private readonly claims = new Map<string, number>();
  private readonly commitIndex: Record<string, number> = {};
  private readonly faults: FaultSpan[] = [];
  private readonly openSpans = new Map<string, OpenSpan>();
  private readonly markers: SeriesMarker[] = [];
  private nodes: readonly string[] = [];
  /** Each client's home replica (client i+1 at index i). */
  private homes: readonly string[] = [];
  private settleUs = 0;
  private readonly sides = new PartitionSides();
  private readonly total = { offered: newServiceCount(), missed: 0, bySide: { majority: newServiceCount(), minority: newServiceCount() } };
  private readonly latencyTotal = latencyHistogram(3);
  /** Each link's key `from>to`, made once: building and hashing a new string per message cost more than the count. */
  private readonly linkKeys = new Map<string, Map<string, string>>();

  constructor(readonly windowMs: number) {
    assert(windowMs > 0, 'metrics window must be > 0 ms');
    this.windowUs = Math.round(windowMs * 1000);
    this.open.push(this.openWindow(0));
  }

  private openWindow(startUs: number): OpenWindow {
    return { startUs, ok: 0, fail: 0, info: 0, latency: latencyHistogram(2), latencyUncorrected: latencyHistogram(2), offered: newServiceCount(), missed: 0, bySide: { majority: newServiceCount(), minority: newServiceCount() }, messagesSent: 0, messagesByLink: new Map(), sealed: null };
  }

  /** The open window holding `timeUs` (or the oldest open one, for a time already closed). */
  private windowAt(timeUs: number): OpenWindow {
    const first = this.open[0] as OpenWindow;
    const index = Math.max(0, Math.floor((timeUs - first.startUs) / this.windowUs));
    while (this.open.length <= index) this.open.push(this.openWindow((this.open.at(-1) as OpenWindow).startUs + this.windowUs));
    return this.open[index] as OpenWindow;
  }

  /** Seals every window that ends at or before `timeUs`, and closes those two timeouts older. */
  private advanceTo(timeUs: number): void {
    this.windowAt(timeUs);
    for (const window of this.open) {
      if (window.startUs + this.windowUs > timeUs) break;
      window.sealed ??= this.snapshot();
    }
    while (this.open.length > 1 && (this.open[0] as OpenWindow).startUs + this.windowUs + this.settleUs <= timeUs) this.closeOldest();
  }

  private snapshot(): NonNullable<OpenWindow['sealed']> {
    let leader: string | null = null;
    let term = 0;
    for (const [node, claimedTerm] of this.claims) if (claimedTerm >= term) [leader, term] = [node, claimedTerm];
    return { leader, term, commitIndex: { ...this.commitIndex } };
  }

  private closeOldest(): void {
    const window = this.open.shift() as OpenWindow;
    if (this.open.length === 0) this.open.push(this.openWindow(window.startUs + this.windowUs));
    const sealed = window.sealed ?? this.snapshot();
    const latency = percentilesMs(window.latency);
    const latencyUncorrected = percentilesMs(window.latencyUncorrected);
    window.latency.destroy();
    window.latencyUncorrected.destroy();
    this.windows.push({
      startMs: window.startUs / 1000,
      endMs: (window.startUs + this.windowUs) / 1000,
      ok: window.ok,
      fail: window.fail,
      info: window.info,
      latencyMs: latency,
      latencyMsUncorrected: latencyUncorrected,
      offered: window.offered.offered,
      served: window.offered.served,
      missed: window.missed,
      availability: serviceFraction(window.offered),
      availabilityBySide: { majority: serviceFraction(window.bySide.majority), minority: serviceFraction(window.bySide.minority) },
      violations: { staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 },
      leader: sealed.leader,
      term: sealed.term,
      commitIndex: sealed.commitIndex,
      messagesByLink: Object.fromEntries(window.messagesByLink),
      messagesSent: window.messagesSent,
    });
  }

  /** One offered operation settled: counted in the window of its intended start, overall and by side. */
  private settle(client: number, intendedUs: number, outcome: 'served' | 'not served' | 'missed'): void {
    const window = this.windowAt(intendedUs);
    const served = outcome === 'served' ? 1 : 0;
    const home = this.homes[client - 1];
    const side = home === undefined ? null : this.sides.sideAt(intendedUs, home);
    for (const count of [window.offered, this.total.offered, ...(side === null ? [] : [window.bySide[side], this.total.bySide[side]])]) {
      count.offered++;
      count.served += served;
    }
    if (outcome === 'missed') {
      window.missed++;
      this.total.missed++;
    }
  }

  /** What the run's summary reports of service (ARCHITECTURE §5): every operation settled so far. */
  serviceTotals(): ServiceTotals {
    const copy = (count: ServiceCount) => ({ ...count });
    return { offered: this.total.offered.offered, served: this.total.offered.served, missed: this.total.missed, bySide: { majority: copy(this.total.bySide.majority), minority: copy(this.total.bySide.minority) }, latencyMs: percentilesMs(this.latencyTotal) };
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

  private linkKey(from: string, to: string): string {
    let byTo = this.linkKeys.get(from);
    if (byTo === undefined) this.linkKeys.set(from, (byTo = new Map()));
    let key = byTo.get(to);
    if (key === undefined) byTo.set(to, (key = `${from}>${to}`));
    return key;
  }

  observe(event: TraceEvent): void {
    this.advanceTo(event.t);
    const atMs = event.t / 1000;
    switch (event.kind) {
      case 'header':
        this.nodes = event.nodes;
        this.sides.setNodes(event.nodes);
        for (const node of event.nodes) this.commitIndex[node] = 0;
        return;
      case 'clients':
        this.homes = event.homes;
        this.settleUs = 2 * Math.round(event.timeoutMs * 1000);
        return;
      case 'send': {
        const window = this.windowAt(event.t);
        window.messagesSent++;
        const link = this.linkKey(event.from, event.to);
        window.messagesByLink.set(link, (window.messagesByLink.get(link) ?? 0) + 1);
        return;
      }
      case 'invoke':
        this.invokes.set(event.op, { issuedUs: event.t, intendedUs: event.intended ?? event.t });
        return;
      case 'complete':
        return this.observeComplete(event);
      case 'missed':
        return this.settle(event.client, event.intended, 'missed');
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

  private observeComplete(event: Extract<TraceEvent, { kind: 'complete' }>): void {
    const window = this.windowAt(event.t);
    window[event.output.type]++;
    const invoke = this.invokes.get(event.op);
    this.invokes.delete(event.op);
    if (invoke === undefined) return;
    if (event.output.type === 'ok') {
      window.latency.recordValue(Math.max(1, event.t - invoke.intendedUs));
      window.latencyUncorrected.recordValue(Math.max(1, event.t - invoke.issuedUs));
      this.latencyTotal.recordValue(Math.max(1, event.t - invoke.intendedUs));
    }
    this.settle(event.client, invoke.intendedUs, (event.served ?? event.output.type === 'ok') ? 'served' : 'not served');
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
        this.sides.partition(atMs * 1000, detail);
        this.startSpan('partition', 'partition', detail, atMs);
        return;
      case 'heal':
        this.sides.heal(atMs * 1000);
        this.endSpan('partition', atMs);
        for (const key of [...this.openSpans.keys()]) if (key.startsWith('disconnect:')) this.endSpan(key, atMs);
        return;
      case 'disconnect':
        this.sides.disconnect(atMs * 1000, detail);
        this.startSpan(`disconnect:${detail}`, 'disconnect', detail, atMs);
        return;
      case 'connect':
        this.sides.connect(atMs * 1000, detail);
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
    // Everything offered has settled by the end (the run's quiet period outlasts two timeouts).
    while ((this.open[0] as OpenWindow).startUs < endUs) this.closeOldest();
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
