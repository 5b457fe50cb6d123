import { assert } from '../base/assert';
import type { LabHistoryVerdict } from '../checker/labHistory';
import type { ReplicaState } from '../checker/divergence';
import type { NodeId } from '../base/ids';
import type { RecordedOperation } from '../history/recorder';
import { RunCore, type RunCoreOptions, type RunResult } from '../run/core';
import type { RunHost } from '../run/host';
import { SimCluster, SimInvariantError } from '../sim/cluster';
import type { Experiment } from './schema';
import type { RunSummary } from './summary';

export type { RunResult } from '../run/core';
export type { TraceHasher } from '../run/digest';

/** How the end-of-run linearizability check is done (the host hands in the clock it needs). */
export type LinearizabilityCheck = (operations: readonly RecordedOperation[]) => LabHistoryVerdict;

export interface RunOptions extends RunCoreOptions {
  readonly linearizability?: LinearizabilityCheck;
  /** Invariants after every step (default); benchmarks measure without them too. */
  readonly checkInvariants?: boolean;
}

/** The simulator as the run core's host: its clock, its queue, its replicas. */
function simHost(cluster: SimCluster<unknown>): RunHost {
  return {
    network: cluster.network,
    nowUs: () => cluster.nowUs,
    at: (timeUs, action) => cluster.at(timeUs, action),
    sendRequest: (to, request) => cluster.sendRequest(to, request),
    nextRequestId: () => cluster.nextRequestId(),
    crash: (id, amnesia) => cluster.crash(id, { amnesia }),
    restart: (id) => cluster.restart(id),
    pause: (id) => cluster.pause(id),
    resume: (id) => cluster.resume(id),
    setClock: (id, change) => cluster.setClock(id, change),
    isUp: (id) => cluster.isUp(id),
    isPaused: (id) => cluster.isPaused(id),
    view: (id) => cluster.view(id),
  };
}

/**
 * Runs one experiment in the simulator (ARCHITECTURE §3):
 * the run core over a `SimCluster` in virtual time. The controls (crash, partition, the CP/AP
 * switch …) are the core's (`controller.core`); this adds what only virtual time allows: advancing
 * by any amount, stopping on an exact µs, and a broken invariant stopping the run on the spot.
 */
export class RunController {
  readonly core: RunCore;
  readonly cluster: SimCluster<unknown>;
  private stoppedBy: SimInvariantError | null = null;
  private finished = false;
  /** Where a user stopped this run (a whole ms), if they did. */
  private stoppedAtMs: number | undefined;

  constructor(
    readonly experiment: Experiment,
    private readonly options: RunOptions = {},
  ) {
    let cluster: SimCluster<unknown> | undefined;
    this.core = new RunCore(experiment, options, (sink, choice) => {
      const network = experiment.network;
      cluster = new SimCluster<unknown>({
        protocol: choice.protocol,
        nodes: experiment.nodes,
        seed: experiment.seed,
        tickMs: experiment.tickMs,
        settings: choice.settings,
        network: { latencyMs: network.latencyMs, drop: network.drop, duplicate: network.duplicate, reorder: network.reorder },
        clientLatencyMs: network.clientLatencyMs,
        unsafe: experiment.unsafe,
        fsyncMs: experiment.fsyncMs,
        checkInvariants: options.checkInvariants ?? true,
        trace: sink.trace,
        onReply: sink.reply,
        onFirstApply: sink.firstApply,
      });
      return simHost(cluster);
    });
    assert(cluster !== undefined, 'the core builds its host');
    this.cluster = cluster;
    this.core.start();
  }

  get nowMs(): number {
    return this.cluster.nowMs;
  }

  /** Advances the run by `ms` of simulated time (stops early, for good, if an invariant breaks). */
  advance(ms: number): void {
    if (this.stoppedBy !== null || this.finished) return;
    this.runUntil(Math.min(this.cluster.nowUs + Math.round(ms * 1000), this.endMs * 1000));
  }

  private runUntil(untilUs: number): void {
    try {
      this.cluster.runUntilTime(untilUs);
    } catch (error) {
      if (!(error instanceof SimInvariantError)) throw error;
      this.stoppedBy = error;
    }
  }

  /** Where the workload stops: the run's end, or where a user stopped it (`stoppedAtMs`). */
  get endMs(): number {
    return this.stoppedAtMs ?? this.experiment.stoppedAtMs ?? this.experiment.durationMs;
  }

  /**
   * Stops the run early, on the next whole ms, and finishes it. The summary and a replay of
   * `{ ...experiment, stoppedAtMs }` both end there.
   */
  stop(): RunResult {
    if (!this.done) {
      const atMs = Math.ceil(this.cluster.nowMs + 0.001);
      this.advance(atMs - this.cluster.nowMs);
      if (atMs < this.endMs) this.stoppedAtMs = atMs;
    }
    return this.finish();
  }

  /** The experiment as a replay needs it: with the instant a user stopped it, if they did. */
  get replayable(): Experiment {
    return this.stoppedAtMs === undefined ? this.experiment : { ...this.experiment, stoppedAtMs: this.stoppedAtMs };
  }

  get done(): boolean {
    return this.finished || this.stoppedBy !== null || this.cluster.nowUs >= this.endMs * 1000;
  }

  /** Runs to the end: the workload, then a quiet settling period, then the checks. */
  runToEnd(): RunResult {
    this.advance(this.endMs - this.cluster.nowMs);
    return this.finish();
  }

  /** Stops the workload, lets the cluster settle, and computes the summary. */
  finish(): RunResult {
    assert(!this.finished, 'a run finishes once');
    this.finished = true;
    const core = this.core;
    core.stopClients();
    if (this.stoppedBy === null) this.runUntil(this.cluster.nowUs + core.settleUs);
    core.closeHistory();
    const halted = this.stoppedBy !== null;
    const linearizability = this.options.linearizability?.(core.recorder.operations()) ?? null;
    const stats = this.cluster.stats;
    return core.finish({
      experiment: this.replayable,
      runtime: 'sim',
      endUs: this.cluster.nowUs,
      halted,
      stores: halted ? [] : this.replicaStates(),
      connected: (a, b) => !this.cluster.network.isBlocked(a as NodeId, b as NodeId) && !this.cluster.network.isBlocked(b as NodeId, a as NodeId),
      invariantsBroken: [...this.cluster.invariantsBroken, ...(this.stoppedBy === null ? [] : [this.stoppedBy.message])],
      messages: { sent: stats.sent, delivered: stats.delivered, dropped: stats.dropped, duplicated: stats.duplicated },
      linearizability,
    });
  }

  /** Each running replica's applied position and key-values, for the divergence check. */
  private replicaStates(): ReplicaState[] {
    return this.cluster.ids.flatMap((id) => {
      const replica = this.cluster.replica(id);
      const view = this.cluster.view(id);
      return replica === undefined || replica === null || view === null ? [] : [{ id, appliedIndex: view.appliedIndex, keyValues: replica.keyValues() }];
    });
  }
}

/** Whether a finished run passes: no invariant broken (unless an unsafe switch explains it) and every expectation holds. */
export function runPassed(summary: RunSummary): boolean {
  const invariantsOk = summary.invariantsBroken.length === 0 || summary.unsafe.length > 0 || summary.faultModelExceeded;
  return invariantsOk && summary.expectations.every((expectation) => expectation.holds);
}

/** Runs an experiment from start to end. */
export function runExperiment(experiment: Experiment, options: RunOptions = {}): RunResult {
  return new RunController(experiment, options).runToEnd();
}
