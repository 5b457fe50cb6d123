import { limits } from '../../src/base/limits';
import type { ViolationOracle } from '../../src/checker/oracle';
import type { RunResult } from '../../src/experiment/run';
import type { Operation } from '../../src/history/operation';
import type { TraceEvent } from '../../src/history/trace';
import type { MetricsCollector } from '../../src/metrics/collector';
import type { FaultSpan, MetricsWindow, SeriesMarker } from '../../src/metrics/series';
import { type LiveViolations, liveViolations } from './liveViolations';

/** How often a session flushes batches to the app (and a paced simulation advances): 10 times a second. */
export const flushIntervalMs = 100;
/** Trace events the Replica logs view needs (src/history/replicaLogs.ts), sent beyond the cap. */
const logFactKinds: ReadonlySet<string> = new Set(['log-append', 'log-truncate', 'log-restore', 'applied', 'commit', 'snapshot', 'role', 'node']);
/** Live violations are recounted every this many flushes (about twice a second) … */
export const liveEveryFlushes = 5;
/**
 * … or less often when a recount is costly: the oracle goes over the whole history, which grows
 * with the run, so the next recount waits until recounting takes at most this share of the
 * service thread's time. Counts only grow, so a later recount never hides one shown earlier.
 */
export const liveShareOfTimeMax = 0.1;

/** One metrics batch: the windows closed since the last one, every fault span and marker so far. */
export interface MetricsBatch {
  nowMs: number;
  windows: MetricsWindow[];
  faults: FaultSpan[];
  markers: SeriesMarker[];
  live?: LiveViolations;
}

/** Where a session's batches and its end go (the lab service turns them into events). */
export interface SessionListener {
  metrics(batch: MetricsBatch): void;
  trace(batch: { events: TraceEvent[]; skipped: number }): void;
  ended(result: RunResult): void;
}

/** What batches are cut from: a run of either runtime (`RunController` and `ThreadsRun` both fit). */
export interface BatchSource {
  /** Lab time now (ms). */
  readonly nowMs: number;
  readonly metrics: MetricsCollector;
  readonly oracle: ViolationOracle;
  readonly recorder: { operations(): readonly Operation[] };
}

/**
 * The batching both sessions share: trace events gathered between flushes (at most
 * `limits.traceBatchEventsMax` a batch, the rest counted as skipped), and on each flush the fresh closed
 * metrics windows, the fault spans and markers, and every `liveEveryFlushes` flushes (fewer when
 * a recount is costly, none while lab time stands still) the live violation counts.
 */
export class SessionBatches {
  private pendingTrace: TraceEvent[] = [];
  private skippedTrace = 0;
  private windowsSent = 0;
  private flushCount = 0;
  private liveNextFlush = 0;
  /** Lab time of the last live count: while it stands still (paused) nothing can have changed. */
  private liveCountedAtMs = Number.NaN;

  constructor(
    private readonly listener: SessionListener,
    /** Wall-clock ms, to measure what a recount costs. */
    private readonly nowWallMs: () => number = () => performance.now(),
  ) {}

  /** Takes one trace event into the next batch, or counts it once the batch is full. */
  trace(event: TraceEvent): void {
    // Log facts always go: the Lab's Replica logs rebuild every replica's log from them, and one missed breaks the picture.
    if (this.pendingTrace.length < limits.traceBatchEventsMax || logFactKinds.has(event.kind)) this.pendingTrace.push(event);
    else this.skippedTrace++;
  }

  /** Sends one metrics batch and, if any events came, one trace batch. */
  flush(source: BatchSource): void {
    const collector = source.metrics;
    const windows = collector.closedWindows();
    const fresh = windows.slice(this.windowsSent);
    this.windowsSent = windows.length;
    const live = this.liveDue(source) ? this.countLive(source) : undefined;
    this.flushCount++;
    this.listener.metrics({ nowMs: source.nowMs, windows: [...fresh], faults: collector.faultSpans(), markers: [...collector.markersSoFar()], ...(live === undefined ? {} : { live }) });
    if (this.pendingTrace.length > 0 || this.skippedTrace > 0) {
      this.listener.trace({ events: this.pendingTrace, skipped: this.skippedTrace });
      this.pendingTrace = [];
      this.skippedTrace = 0;
    }
  }

  private liveDue(source: BatchSource): boolean {
    return this.flushCount >= this.liveNextFlush && source.nowMs !== this.liveCountedAtMs;
  }

  /** Counts live violations and schedules the next count by what this one cost. */
  private countLive(source: BatchSource): LiveViolations {
    const started = this.nowWallMs();
    const live = liveViolations(source.oracle, source.recorder.operations());
    const costMs = this.nowWallMs() - started;
    const waitFlushes = Math.max(liveEveryFlushes, Math.ceil(costMs / liveShareOfTimeMax / flushIntervalMs));
    this.liveNextFlush = this.flushCount + waitFlushes;
    this.liveCountedAtMs = source.nowMs;
    return live;
  }
}
