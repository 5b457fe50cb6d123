import type { ViolationKind } from '../checker/oracle';

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
  /** Latency of the ok operations that completed in the window, ms; null when none did. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number } | null;
  /** ok ÷ completed in the window, 0..1; null when nothing completed. */
  readonly availability: number | null;
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
