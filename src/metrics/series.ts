import type { ViolationKind } from '../checker/oracle';
import type { LatencyPercentiles } from './service';

/** Violation kinds a metrics window counts (the oracle's, plus divergence at the end). */
export type WindowViolations = Record<ViolationKind, number>;

/** One window of simulated (or live) time; counts are of events inside [startMs, endMs). */
export interface MetricsWindow {
  readonly startMs: number;
  readonly endMs: number;
  /** Operations that completed in the window, by outcome. */
  readonly ok: number;
  readonly fail: number;
  readonly info: number;
  /**
   * Latency of the ok operations that completed in the window, ms, from their intended start
   * (coordinated-omission corrected, ARCHITECTURE §5); null when none did.
   */
  readonly latencyMs: LatencyPercentiles | null;
  /** The same operations' latency from when the client issued them (what the client alone saw). */
  readonly latencyMsUncorrected: LatencyPercentiles | null;
  /** Operations the clients' schedules meant to start in the window (issued or missed). */
  readonly offered: number;
  /** Of those, answered definitely within the timeout of the intended start. */
  readonly served: number;
  /** Of those, never issued: the client was still waiting on an earlier one when the timeout passed. */
  readonly missed: number;
  /** served ÷ offered, 0..1; null when nothing was offered. A window with offers and no answer is 0. */
  readonly availability: number | null;
  /**
   * The same for the clients whose home replica was on each side of a partition when the
   * operation was meant to start; null for a side that offered nothing in the window (no partition).
   */
  readonly availabilityBySide: { readonly majority: number | null; readonly minority: number | null };
  readonly violations: WindowViolations;
  /** Who led at the end of the window (highest term claiming leadership), and that term or view. */
  readonly leader: string | null;
  readonly term: number;
  /** Commit index (Raft) or commit-number (VR) per replica at the end of the window. */
  readonly commitIndex: Readonly<Record<string, number>>;
  /** Messages sent per directed link ("n1>n2") in the window. */
  readonly messagesByLink: Readonly<Record<string, number>>;
  readonly messagesSent: number;
}

/** A fault that holds over a span of time, for charts to shade. */
export interface FaultSpan {
  /** partition, crash, pause, network, clock, disconnect. */
  readonly kind: string;
  readonly detail: string;
  readonly startMs: number;
  /** null while it still holds at the end of the series. */
  readonly endMs: number | null;
}

/** An instant worth marking on every chart (the CP/AP switch). */
export interface SeriesMarker {
  readonly atMs: number;
  readonly kind: 'consistency';
  readonly label: string;
}

/** Everything the charts, the CSV and the report draw from. Plain data. */
export interface MetricsSeries {
  readonly windowMs: number;
  readonly nodes: readonly string[];
  readonly windows: readonly MetricsWindow[];
  readonly faults: readonly FaultSpan[];
  readonly markers: readonly SeriesMarker[];
}

export const windowMsDefault = 250;
