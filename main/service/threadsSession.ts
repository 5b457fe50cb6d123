import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeId } from '../../src/base/ids';
import { ContractError } from '../../src/contract/lab';
import type { NetworkChange } from '../../src/experiment/faults';
import type { RunResult } from '../../src/experiment/run';
import type { Consistency, Experiment } from '../../src/experiment/schema';
import type { RunSummary } from '../../src/experiment/summary';
import type { PartitionSpec } from '../../src/network/partitions';
import { timeScaleMax, timeScaleMin } from '../lab/labClock';
import { ThreadsRun, type ThreadsRunOptions } from '../lab/threadsRun';
import { type RunFolder, openRunFolder } from '../runFiles';
import { type ExportedFile, type ReplayControls, ReplayCancelled, readExportedFiles } from './replayJob';
import type { LabSession, SessionState, Speed } from './labSession';
import { type SessionListener, SessionBatches, flushIntervalMs } from './sessionBatches';

export interface ThreadsSessionOptions {
  /** The end-of-run linearizability check, off the main thread (`CheckerPool.checkLabHistory`); none: 0 failed keys. */
  readonly linearizability?: ThreadsRunOptions['linearizability'];
}

/**
 * The time scale of a live run for a requested speed. A live run goes in real time, so only a
 * pace means something: `max` (the simulator's "as fast as possible") is refused, naming the range.
 */
export function timeScaleOf(speed: Speed, call: string): number {
  if (speed === 'max') throw new ContractError(`${call}: speed max exists only in the simulator; a live (threads) run goes at a time scale of ${timeScaleMin} to ${timeScaleMax} (lab ms per wall ms)`);
  return speed;
}

/** The time scale a live run starts at when the app names none: the experiment's speed, or 1 when that is `max` (as `caplab run --runtime threads`). */
function defaultTimeScale(experiment: Experiment): number {
  return experiment.speed === 'max' ? 1 : experiment.speed;
}

/**
 * One live run the app watches (ARCHITECTURE §3): a `ThreadsRun` (a worker thread per replica, the bus
 * applying the network model in real time at the time scale), flushed to the app as a simulated
 * session is. A live run cannot be replayed to the same trace, so its files come from the run
 * itself: the trace streams into a run folder in a temporary directory while the run goes, and
 * the rest of the folder is written from the result when the app first exports it. Closing the
 * session aborts a run still going and removes the folder.
 */
export class ThreadsSession implements LabSession {
  readonly runtime = 'threads';
  readonly run: ThreadsRun;
  /** The run folder (inside a temporary directory of this session's own). */
  readonly folder: string;
  private readonly temporaryRoot: string;
  private readonly runFolder: RunFolder;
  private readonly batches: SessionBatches;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private starting: Promise<void> | null = null;
  private finishing: Promise<RunResult> | null = null;
  private result: RunResult | null = null;
  /** The run folder has been completed from the result (done on the first export); the trace is closed. */
  private folderFinished = false;
  private closed = false;
  /** Rejects a finish still going when the session is closed under it. */
  private abortFinish: (reason: Error) => void = () => undefined;
  private readonly aborted: Promise<never>;

  constructor(
    readonly experiment: Experiment,
    speed: Speed | undefined,
    private readonly listener: SessionListener,
    options: ThreadsSessionOptions = {},
  ) {
    const timeScale = speed === undefined ? defaultTimeScale(experiment) : timeScaleOf(speed, 'startRun');
    this.aborted = new Promise<never>((_resolve, reject) => (this.abortFinish = reject));
    this.aborted.catch(() => undefined); // observed through the race in `finishRun`, if a finish is going
    this.batches = new SessionBatches(listener);
    // The run folder is built beside its target (main/runFolder.ts): both inside one folder of our own, removed whole.
    this.temporaryRoot = mkdtempSync(join(tmpdir(), 'caplab-live-'));
    this.folder = join(this.temporaryRoot, 'run');
    this.runFolder = openRunFolder(experiment, this.folder, 'threads');
    this.run = new ThreadsRun(experiment, {
      timeScale,
      ...(options.linearizability === undefined ? {} : { linearizability: options.linearizability }),
      trace: (event) => {
        if (this.closed || this.folderFinished) return;
        this.runFolder.trace(event);
        this.batches.trace(event);
      },
    });
  }

  /** Spawns the workers and resolves once every one has started; the run then ends by itself after `durationMs` of lab time. */
  async start(): Promise<void> {
    this.starting = this.run.start();
    await this.starting;
    if (this.closed) return;
    this.timer = setInterval(() => this.batches.flush(this.run.core), flushIntervalMs);
    // Reaching the end and a stop share one finish; a failure is what the next stop reports.
    void this.run
      .untilLabUs(this.experiment.durationMs * 1000)
      .then(() => this.finish())
      .catch(() => undefined);
  }

  get summary(): RunSummary | null {
    return this.result?.summary ?? null;
  }

  get runResult(): RunResult | null {
    return this.result;
  }

  pause(): void {
    if (this.result !== null) return;
    if (this.finishing !== null) throw new ContractError('pauseRun: the live run is settling before it ends (lab time must pass for that); it cannot be paused now');
    this.run.pauseRun();
    this.paused = true;
  }

  step(): void {
    throw new ContractError('stepRun: a live run cannot be stepped: its replicas run on their own threads in real time (pause and resume it instead)');
  }

  resume(): void {
    this.run.resumeRun();
    this.paused = false;
  }

  setSpeed(speed: Speed): void {
    this.run.setTimeScale(timeScaleOf(speed, 'setSpeed'));
  }

  stop(): Promise<RunResult> {
    return this.finish();
  }

  /** The one finish of the run, whether it reached its end or the app stopped it. */
  private finish(): Promise<RunResult> {
    this.finishing ??= this.finishRun();
    return this.finishing;
  }

  /** Stops the clients, lets the cluster settle, stops the workers, checks (in the pool) and summarises. */
  private async finishRun(): Promise<RunResult> {
    try {
      await this.starting;
      if (this.closed) return await this.aborted;
      // Settling takes lab time, which stands still while the run is paused.
      this.resume();
      const result = await Promise.race([this.run.finish(), this.aborted]);
      this.result = result;
      this.batches.flush(this.run.core);
      this.listener.ended(result);
      return result;
    } finally {
      this.stopTimer();
    }
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Aborts the run if it is still going (its workers stop, nothing is summarised) and removes the run folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    if (this.result === null) {
      this.abortFinish(new Error('the live run was aborted before it ended: its session was closed'));
      await this.run.abort();
    }
    if (!this.folderFinished) this.runFolder.discard();
    rmSync(this.temporaryRoot, { recursive: true, force: true });
  }

  state(): SessionState {
    const run = this.run;
    const views = run.views();
    return {
      runtime: this.runtime,
      nowMs: run.nowMs,
      done: this.result !== null,
      paused: this.paused,
      consistency: run.core.consistency,
      nodes: run.ids.map((id, index) => ({ id, up: run.isUp(id), paused: run.isPaused(id), driftPpm: run.clockDriftPpm(id), diedOf: run.diedOf(id), view: views[index] ?? null })),
      links: run.bus.network.linkStates(),
      summary: this.summary,
    };
  }

  crash(node: string, amnesia: boolean): NodeId[] {
    return this.run.core.crash(node, amnesia);
  }

  restart(node: string): NodeId[] {
    return this.run.core.restart(node);
  }

  pauseNode(node: string): NodeId[] {
    return this.run.core.pause(node);
  }

  resumeNode(node: string): NodeId[] {
    return this.run.core.resume(node);
  }

  partition(spec: PartitionSpec): string {
    return this.run.core.partition(spec);
  }

  heal(): void {
    this.run.core.heal();
  }

  setNetwork(change: NetworkChange): void {
    this.run.core.setNetwork(change);
  }

  setConsistency(consistency: Consistency): void {
    this.run.core.setConsistency(consistency);
  }

  /** The run folder's files: the trace as it streamed, the rest written from the result (once; nothing to replay). */
  async exportFiles(controls: ReplayControls = {}): Promise<ExportedFile[]> {
    const result = this.result;
    if (result === null) throw new Error('export: the run is still going');
    if (this.closed) throw new Error('export: the session was closed and its files removed');
    if (controls.signal?.aborted === true) throw new ReplayCancelled();
    if (!this.folderFinished) {
      controls.onProgress?.(0, 'writing files');
      this.folderFinished = true;
      this.runFolder.finish(result);
    }
    controls.onProgress?.(1, 'done');
    return readExportedFiles(this.folder);
  }
}
