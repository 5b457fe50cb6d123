// The one histogram class the lab uses, not the package's index: the index also loads the log
// reader and writer, the encoders and the WebAssembly build (about 40 ms at every start, issue 20).
import type Histogram from 'hdr-histogram-js/dist/Histogram';
import Int32Histogram from 'hdr-histogram-js/dist/Int32Histogram';

/**
 * Service as a student means it (ARCHITECTURE §5): of the operations the clients' schedules offered,
 * how many the cluster answered definitely within the timeout of their intended start, overall
 * and per side of a partition. Missed operations (never issued) count as offered and not served.
 */

/** Which side of a partition a client's home replica was on when an operation was meant to start. */
export type Side = 'majority' | 'minority';

/** Offered and served operations of one group of clients. */
export interface ServiceCount {
  offered: number;
  served: number;
}

/** Latency percentiles, ms. */
export interface LatencyPercentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Everything the run's summary needs from the clients' side of the trace. */
export interface ServiceTotals {
  /** Operations the schedules offered (history operations plus missed ones). */
  readonly offered: number;
  /** Answered definitely within the timeout of the intended start. */
  readonly served: number;
  /** Offered but never issued: the client was still waiting when the operation's timeout passed. */
  readonly missed: number;
  /** Offered during a partition, by the side of the client's home replica. */
  readonly bySide: Readonly<Record<Side, ServiceCount>>;
  /** Of ok operations, from the intended start (coordinated-omission corrected); null when none. */
  readonly latencyMs: LatencyPercentiles | null;
}

export const newServiceCount = (): ServiceCount => ({ offered: 0, served: 0 });

/** served ÷ offered, or null when nothing was offered. */
export const serviceFraction = (count: ServiceCount): number | null => (count.offered === 0 ? null : count.served / count.offered);

/** A latency histogram of µs up to an hour, as the package's `build` makes it (32-bit counts, resized past the hour). */
export function latencyHistogram(significantDigits: 2 | 3): Histogram {
  const histogram = new Int32Histogram(1, 3_600_000_000, significantDigits);
  histogram.autoResize = true;
  return histogram;
}

/** Percentiles of a histogram of µs, in ms; null when it is empty. */
export function percentilesMs(histogram: Histogram): LatencyPercentiles | null {
  if (histogram.totalCount === 0) return null;
  const toMs = (us: number) => Math.round(us) / 1000;
  return { p50: toMs(histogram.getValueAtPercentile(50)), p95: toMs(histogram.getValueAtPercentile(95)), p99: toMs(histogram.getValueAtPercentile(99)), max: toMs(histogram.maxValue) };
}

/**
 * The sides of the network over time, from the trace's partition, disconnect and heal events.
 * A node is on the majority side when its group (what a partition left it connected to, less the
 * disconnected nodes) holds more than half the replicas; every other node is on the minority side.
 * Shapes that are not groups (bridge, one-way, ring) have no sides: their clients count overall only.
 */
export class PartitionSides {
  private nodes: readonly string[] = [];
  private groups: string[][] | null = null;
  private readonly disconnected = new Set<string>();
  /** Each change, oldest first: from when, and every node's side (null: no sides). */
  private readonly changes: Array<{ readonly fromUs: number; readonly sides: ReadonlyMap<string, Side> | null }> = [];

  setNodes(nodes: readonly string[]): void {
    this.nodes = nodes;
  }

  /** A partition's description as `partitionLinks` writes it: "{n1,n2} | {n3,n4,n5}" for groups. */
  partition(atUs: number, description: string): void {
    const groups = /^\{[^}]*\}( \| \{[^}]*\})*$/.test(description) ? [...description.matchAll(/\{([^}]*)\}/g)].map((match) => (match[1] as string).split(',').filter((node) => node !== '')) : null;
    this.groups = groups;
    this.changed(atUs);
  }

  heal(atUs: number): void {
    this.groups = null;
    this.disconnected.clear();
    this.changed(atUs);
  }

  disconnect(atUs: number, node: string): void {
    this.disconnected.add(node);
    this.changed(atUs);
  }

  connect(atUs: number, node: string): void {
    this.disconnected.delete(node);
    this.changed(atUs);
  }

  private changed(atUs: number): void {
    this.changes.push({ fromUs: atUs, sides: this.currentSides() });
  }

  private currentSides(): ReadonlyMap<string, Side> | null {
    if (this.groups === null && this.disconnected.size === 0) return null;
    const groups = (this.groups ?? [[...this.nodes]]).map((group) => group.filter((node) => !this.disconnected.has(node)));
    const sides = new Map<string, Side>();
    for (const group of groups) for (const node of group) sides.set(node, group.length * 2 > this.nodes.length ? 'majority' : 'minority');
    for (const node of this.disconnected) sides.set(node, 'minority');
    return sides;
  }

  /** The side `node` was on at `atUs`, or null when no partition held then. */
  sideAt(atUs: number, node: string): Side | null {
    for (let index = this.changes.length - 1; index >= 0; index--) {
      const change = this.changes[index] as (typeof this.changes)[number];
      if (change.fromUs <= atUs) return change.sides?.get(node) ?? null;
    }
    return null;
  }
}
