import { performance } from 'node:perf_hooks';
import type { NodeId } from '../../src/base/ids';
import type { RunResult } from '../../src/experiment/run';
import { RunController } from '../../src/experiment/run';
import { ContractError } from '../../src/contract/lab';
import type { Consistency, Experiment, Fault } from '../../src/experiment/schema';
import type { NetworkChange } from '../../src/experiment/faults';
import type { RunSummary } from '../../src/experiment/summary';
import type { PartitionSpec } from '../../src/network/partitions';
import { nodeRunOptions } from '../../workers/runOptions';
import { type ExportedFile, type ReplayControls, exportSimRun } from './replayJob';
import type { LabSession, SessionState, Speed } from './labSession';
import { type SessionListener, SessionBatches, flushIntervalMs } from './sessionBatches';

/** With speed `max`, the share of each flush interval spent simulating (the rest serves the app). */
const maxSpeedBudgetMs = 60;

/**
 * One simulated run the app watches: the run controller advanced against the wall clock at the
 * chosen speed, trace and metrics flushed in batches at most ten times a second. Every action the
 * user takes is applied at the next whole µs and recorded as a scheduled fault, so the run can
 * be replayed exactly (ARCHITECTURE §3) and exported.
 */
export class SimSession implements LabSession {
  readonly runtime = 'sim';
  readonly controller: RunController;
  private readonly batches: SessionBatches;
  private readonly recorded: Fault[] = [];
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private result: RunResult | null = null;

  constructor(
    readonly experiment: Experiment,
    private speed: Speed,
    private readonly listener: SessionListener,
  ) {
    this.batches = new SessionBatches(listener);
    this.controller = new RunController(experiment, { ...nodeRunOptions(), trace: (event) => this.batches.trace(event) });
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.advance(), flushIntervalMs);
  }

  get summary(): RunSummary | null {
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

  step(ms: number): void {
    if (this.result !== null) throw new ContractError('stepRun: the run has ended');
    if (!this.paused) throw new ContractError('stepRun: pause the run first (a step goes forward from a paused run)');
    this.controller.advance(ms);
    this.batches.flush(this.controller.core);
    if (this.controller.done) this.end();
  }

  setSpeed(speed: Speed): void {
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
    this.batches.flush(this.controller.core);
    if (this.controller.done) this.end();
  }

  async stop(): Promise<RunResult> {
    return this.end();
  }

  /** Stops the run now (or at its end): settles, checks, and reports the summary. */
  private end(): RunResult {
    if (this.result !== null) return this.result;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.result = this.controller.stop();
    this.batches.flush(this.controller.core);
    this.listener.ended(this.result);
    return this.result;
  }

  /** A simulated run is ended, not aborted: it settles and reports as a stop would (it holds no files). */
  async close(): Promise<void> {
    this.end();
  }

  state(): SessionState {
    const cluster = this.controller.cluster;
    return {
      runtime: this.runtime,
      nowMs: this.controller.nowMs,
      done: this.result !== null,
      paused: this.paused,
      consistency: this.controller.core.consistency,
      nodes: cluster.ids.map((id) => ({ id, up: cluster.isUp(id), paused: cluster.isPaused(id), driftPpm: cluster.clockDriftPpm(id), view: cluster.view(id) })),
      links: cluster.network.linkStates(),
      summary: this.summary,
    };
  }

  /** Applies a user action one µs from now and records it for replay. */
  private act<Outcome>(fault: Fault, apply: () => Outcome): Outcome | undefined {
    const atMs = (Math.floor(this.controller.nowMs * 1000) + 1) / 1000;
    this.recorded.push({ ...fault, atMs } as Fault);
    let outcome: Outcome | undefined;
    this.controller.cluster.at(Math.round(atMs * 1000), () => {
      outcome = apply();
    });
    this.controller.advance(0.001);
    return outcome;
  }

  crash(node: string, amnesia: boolean): NodeId[] {
    return this.act({ atMs: 0, crash: node, amnesia }, () => this.controller.core.crash(node, amnesia)) ?? [];
  }

  restart(node: string): NodeId[] {
    return this.act({ atMs: 0, restart: node }, () => this.controller.core.restart(node)) ?? [];
  }

  pauseNode(node: string): NodeId[] {
    return this.act({ atMs: 0, pause: node }, () => this.controller.core.pause(node)) ?? [];
  }

  resumeNode(node: string): NodeId[] {
    return this.act({ atMs: 0, resume: node }, () => this.controller.core.resume(node)) ?? [];
  }

  partition(spec: PartitionSpec): string {
    return String(this.act({ atMs: 0, partition: spec } as unknown as Fault, () => this.controller.core.partition(spec)));
  }

  heal(): void {
    this.act({ atMs: 0, heal: true }, () => this.controller.core.heal());
  }

  setNetwork(change: NetworkChange): void {
    this.act({ atMs: 0, network: change } as Fault, () => this.controller.core.setNetwork(change));
  }

  setConsistency(consistency: Consistency): void {
    this.act({ atMs: 0, consistency }, () => this.controller.core.setConsistency(consistency));
  }

  /** The experiment with every recorded action as a scheduled fault: replaying it reproduces this run. */
  replayableExperiment(): Experiment {
    return { ...this.controller.replayable, faults: [...this.experiment.faults, ...this.recorded] };
  }

  /**
   * The run's files, from a replay of the recorded actions in a worker: the simulator is
   * deterministic, so the replay is this run, which the trace digest confirms.
   */
  async exportFiles(controls: ReplayControls = {}): Promise<ExportedFile[]> {
    const summary = this.summary;
    if (summary === null) throw new Error('export: the run is still going');
    return exportSimRun(this.replayableExperiment(), summary.traceSha256, controls);
  }
}
