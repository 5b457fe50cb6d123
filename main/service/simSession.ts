import { performance } from 'node:perf_hooks';
import type { RunResult } from '../../src/experiment/run';
import { RunController } from '../../src/experiment/run';
import type { Consistency, Experiment, Fault } from '../../src/experiment/schema';
import type { NetworkChange } from '../../src/experiment/faults';
import type { TraceEvent } from '../../src/history/trace';
import type { PartitionSpec } from '../../src/network/partitions';
import { nodeRunOptions } from '../../workers/runOptions';

/** How often a paced session advances and flushes batches to the app: 10 times a second. */
export const flushIntervalMs = 100;
/** With speed `max`, the share of each flush interval spent simulating (the rest serves the app). */
const maxSpeedBudgetMs = 60;
/** Trace events one batch carries at most; the rest of a busy interval is counted, not sent. */
export const traceBatchEventsMax = 20_000;

/** The oracle's counts so far, sent with every few metrics batches. */
export interface LiveViolations {
  staleRead: number;
  monotonicRead: number;
  readYourWrites: number;
  /** The newest few, with the operations that prove them. */
  latest: Array<{ kind: string; key: string; operations: number[]; explanation: string }>;
}

/** Live violations are recounted every this many flushes (about twice a second). */
const liveEveryFlushes = 5;

export interface SessionListener {
  metrics(batch: { nowMs: number; windows: unknown[]; faults: unknown[]; markers: unknown[]; live?: LiveViolations }): void;
  trace(batch: { events: TraceEvent[]; skipped: number }): void;
  ended(result: RunResult): void;
}

/**
 * One simulated run the app watches: the run controller advanced against the wall clock at the
 * chosen speed, trace and metrics flushed in batches at most ten times a second. Every action the
 * user takes is applied at the next whole µs and recorded as a scheduled fault, so the run can
 * be replayed exactly (DESIGN §3) and exported.
 */
export class SimSession {
  readonly controller: RunController;
  private readonly recorded: Fault[] = [];
  private pendingTrace: TraceEvent[] = [];
  private skippedTrace = 0;
  private windowsSent = 0;
  private flushes = 0;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private result: RunResult | null = null;

  constructor(
    readonly experiment: Experiment,
    private speed: number | 'max',
    private readonly listener: SessionListener,
  ) {
    this.controller = new RunController(experiment, {
      ...nodeRunOptions(),
      trace: (event) => {
        if (this.pendingTrace.length < traceBatchEventsMax) this.pendingTrace.push(event);
        else this.skippedTrace++;
      },
    });
  }

  start(): void {
    this.timer = setInterval(() => this.advance(), flushIntervalMs);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get summary(): RunResult['summary'] | null {
    return this.result?.summary ?? null;
  }

  get runResult(): RunResult | null {
    return this.result;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  setSpeed(speed: number | 'max'): void {
    this.speed = speed;
  }

  private advance(): void {
    if (this.result !== null) return;
    if (!this.paused) {
      if (this.speed === 'max') {
        const start = performance.now();
        while (!this.controller.done && performance.now() - start < maxSpeedBudgetMs) this.controller.advance(10);
      } else {
        this.controller.advance(this.speed * flushIntervalMs);
      }
    }
    this.flush();
    if (this.controller.done) this.end();
  }

  private flush(): void {
    const collector = this.controller.metrics;
    const windows = collector.closedWindows();
    const fresh = windows.slice(this.windowsSent);
    this.windowsSent = windows.length;
    const live = this.flushes++ % liveEveryFlushes === 0 ? this.liveViolations() : undefined;
    this.listener.metrics({ nowMs: this.controller.nowMs, windows: [...fresh], faults: collector.faultSpans(), markers: [...collector.markersSoFar()], ...(live === undefined ? {} : { live }) });
    if (this.pendingTrace.length > 0 || this.skippedTrace > 0) {
      this.listener.trace({ events: this.pendingTrace, skipped: this.skippedTrace });
      this.pendingTrace = [];
      this.skippedTrace = 0;
    }
  }

  /**
   * The oracle over the operations completed so far. A stale read or session break, once counted,
   * stays counted (truth positions are only ever appended); a lost write is only certain at the
   * end, so it is not counted live.
   */
  private liveViolations(): LiveViolations {
    const found = this.controller.oracle.violations(this.controller.recorder.operations()).filter((violation) => violation.kind !== 'lostWrite');
    const count = (kind: string) => found.filter((violation) => violation.kind === kind).length;
    const latest = found
      .slice()
      .sort((a, b) => (b.operations[0] ?? 0) - (a.operations[0] ?? 0))
      .slice(0, 20)
      .map((violation) => ({ kind: violation.kind, key: violation.key, operations: [...violation.operations], explanation: violation.explanation }));
    return { staleRead: count('staleRead'), monotonicRead: count('monotonicRead'), readYourWrites: count('readYourWrites'), latest };
  }

  /** Stops the run now (or at its end): settles, checks, and reports the summary. */
  end(): RunResult {
    if (this.result !== null) return this.result;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.result = this.controller.stop();
    this.flush();
    this.listener.ended(this.result);
    return this.result;
  }

  /** Applies a user action one µs from now and records it for replay. */
  private act(fault: Fault, apply: () => unknown): unknown {
    const atMs = (Math.floor(this.controller.nowMs * 1000) + 1) / 1000;
    this.recorded.push({ ...fault, atMs } as Fault);
    let outcome: unknown;
    this.controller.cluster.at(Math.round(atMs * 1000), () => {
      outcome = apply();
    });
    this.controller.advance(0.001);
    return outcome;
  }

  crash(node: string, amnesia: boolean): unknown {
    return this.act({ atMs: 0, crash: node, amnesia }, () => this.controller.crash(node, amnesia));
  }

  restart(node: string): unknown {
    return this.act({ atMs: 0, restart: node }, () => this.controller.restart(node));
  }

  pauseNode(node: string): unknown {
    return this.act({ atMs: 0, pause: node }, () => this.controller.pause(node));
  }

  resumeNode(node: string): unknown {
    return this.act({ atMs: 0, resume: node }, () => this.controller.resume(node));
  }

  partition(spec: PartitionSpec): string {
    return String(this.act({ atMs: 0, partition: spec } as unknown as Fault, () => this.controller.partition(spec)));
  }

  heal(): void {
    this.act({ atMs: 0, heal: true }, () => this.controller.heal());
  }

  setNetwork(change: NetworkChange): void {
    this.act({ atMs: 0, network: change } as Fault, () => this.controller.setNetwork(change));
  }

  setConsistency(consistency: Consistency): void {
    this.act({ atMs: 0, consistency }, () => this.controller.setConsistency(consistency));
  }

  /** The experiment with every recorded action as a scheduled fault: replaying it reproduces this run. */
  replayableExperiment(): Experiment {
    return { ...this.controller.replayable, faults: [...this.experiment.faults, ...this.recorded] };
  }
}
