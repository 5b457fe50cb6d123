import { limits } from '../../src/base/limits';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { ContractError, type LabEvent, type SweepSeedOutcome } from '../../src/contract/lab';
import { type Experiment, protocolChange, validateExperiment } from '../../src/experiment/schema';
import type { SweepOutcome, SweepTask } from '../../src/contract/worker';
import { parseExperiment } from '../experimentFile';
import { workerEntry } from '../lab/workerEntry';
import type { ProtocolName } from '../../src/protocol/replica';

/** Threads of the app's sweep pool: all cores but the one serving the app, at least 1, at most 4. */
export function sweepThreadsDefault(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}


/** The shortest gap between two progress events of one sweep, ms (about ten a second). */
export const progressIntervalMsDefault = 100;

/** Idle sweep threads end after this long, ms, so a lab that swept once does not keep them. */
const threadIdleTimeoutMs = 10_000;

/**
 * Seeds of a sweep in a piscina pool over `workers/sweep.worker.ts`, one task per seed, each run
 * in the simulator off the main thread. Shared by `caplab sweep` and the app's `SweepRunner`.
 */
export class SweepPool {
  private readonly pool: Piscina<SweepTask, SweepOutcome>;
  private tasksGoing = 0;

  /** `threadsKept`: start every thread at once and keep them (the CLI's batch); else start them as needed. */
  constructor(
    readonly threads: number,
    options: { threadsKept?: boolean } = {},
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`a sweep pool needs a whole number of threads, at least 1 (got ${threads})`);
    const entry = workerEntry('sweep');
    this.pool = new Piscina({
      filename: entry.filename,
      execArgv: entry.execArgv,
      minThreads: options.threadsKept === true ? threads : 0,
      maxThreads: threads,
      idleTimeout: threadIdleTimeoutMs,
    });
  }

  /** Runs one seed; an aborted signal drops it from the queue, or ends the thread running it. */
  async runSeed(experiment: Experiment, seed: number, signal?: AbortSignal): Promise<SweepOutcome> {
    this.tasksGoing++;
    try {
      return await this.pool.run({ experiment, seed }, signal === undefined ? {} : { signal });
    } finally {
      this.tasksGoing--;
    }
  }

  /** No seed is queued or running. */
  get idle(): boolean {
    return this.tasksGoing === 0 && this.pool.queueSize === 0;
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/** A seed's outcome as the app shows it: the verdict and the summary's headline numbers. */
export function seedOutcomeOf({ seed, passed, summary }: SweepOutcome): SweepSeedOutcome {
  return {
    seed,
    passed,
    ops: { ok: summary.ops.ok, fail: summary.ops.fail, info: summary.ops.info },
    availability: summary.availability,
    violations: { ...summary.violations },
    linearizabilityUnknownKeys: summary.linearizabilityUnknownKeys,
    invariantsBroken: [...summary.invariantsBroken],
    faultModelExceeded: summary.faultModelExceeded,
    expectationsFailed: summary.expectations.filter((expectation) => !expectation.holds).map((expectation) => `${expectation.expr} (actual ${expectation.actual ?? 'missing'})`),
    traceSha256: summary.traceSha256,
  };
}

/**
 * The experiment a sweep runs, checked as `startRun` checks it: the file's text, then the
 * protocol override (which drops the other protocol's settings). Every seed of the range must be
 * one the schema accepts, so a bad range fails here and not seed by seed in the workers.
 */
export function sweepExperiment(request: { text: string; source: string; protocol?: ProtocolName; firstSeed?: number; seeds: number }): { experiment: Experiment; firstSeed: number } {
  const parsed = parseExperiment(request.text, request.source);
  const experiment = validateExperiment({ ...parsed, ...protocolChange(parsed.protocol, request.protocol) }, request.source);
  const firstSeed = request.firstSeed ?? experiment.seed;
  validateExperiment({ ...experiment, seed: firstSeed + (request.seeds - 1) }, `${request.source} (last seed of the sweep)`);
  return { experiment, firstSeed };
}

/** A promise and the function that resolves it (Node 20 has no Promise.withResolvers). */
function promiseWithResolve(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** What one sweep runs. */
export interface SweepPlan {
  readonly sweepId: string;
  readonly experiment: Experiment;
  readonly firstSeed: number;
  readonly seedCount: number;
}

export type SweepProgress = LabEvent<'sweepProgress'>;

/** One sweep going: which seed starts next, what finished but is not reported yet, how it ends. */
interface SweepGoing {
  readonly plan: SweepPlan;
  readonly abort: AbortController;
  seedNext: number;
  seedsRunning: number;
  done: number;
  /** Finished since the last progress event. */
  unreported: SweepSeedOutcome[];
  /** No further seed starts: cancelled, failed, or closing. */
  stopping: boolean;
  cancelled: boolean;
  error: string | null;
  ended: boolean;
  reportedAtMs: number;
  reportTimer: ReturnType<typeof setTimeout> | null;
  readonly whenEnded: Promise<void>;
  markEnded: () => void;
}

/**
 * The app's sweeps (ARCHITECTURE §7, §8): each runs its seeds in the shared pool, keeping at most one
 * seed per thread going so that several sweeps share the threads, and reports finished seeds in
 * batches, at most about ten events a second. Cancel stops starting seeds and abandons the ones
 * going; its last event carries the seeds finished until then.
 */
export class SweepRunner {
  private pool: SweepPool | null = null;
  private readonly sweeps = new Map<string, SweepGoing>();
  private closed = false;

  constructor(
    private readonly report: (progress: SweepProgress) => void,
    private readonly options: { threads?: number; progressIntervalMs?: number } = {},
  ) {}

  /** Starts a sweep; its seeds finish later, as `report` tells. */
  start(plan: SweepPlan): { sweepId: string; seeds: number } {
    if (this.closed) throw new ContractError('startSweep: the lab is closing');
    if (this.sweeps.has(plan.sweepId)) throw new ContractError(`startSweep: a sweep with id ${plan.sweepId} is already going`);
    if (this.sweeps.size >= limits.sweepsGoingMax) throw new ContractError(`startSweep: ${limits.sweepsGoingMax} sweeps are going already; wait for one to finish or cancel one`);
    const { promise: whenEnded, resolve: markEnded } = promiseWithResolve();
    const sweep: SweepGoing = {
      plan,
      abort: new AbortController(),
      seedNext: plan.firstSeed,
      seedsRunning: 0,
      done: 0,
      unreported: [],
      stopping: false,
      cancelled: false,
      error: null,
      ended: false,
      reportedAtMs: -Infinity,
      reportTimer: null,
      whenEnded,
      markEnded,
    };
    this.sweeps.set(plan.sweepId, sweep);
    this.pool ??= new SweepPool(this.options.threads ?? sweepThreadsDefault());
    this.fill(sweep);
    return { sweepId: plan.sweepId, seeds: plan.seedCount };
  }

  /** Cancels the sweep with this id; false when none is going. */
  cancel(sweepId: string): boolean {
    const sweep = this.sweeps.get(sweepId);
    if (sweep === undefined || sweep.ended) return false;
    if (!sweep.stopping) sweep.cancelled = true;
    this.stop(sweep);
    return true;
  }

  /** No sweep going and no seed queued or running in the pool. */
  get idle(): boolean {
    return this.sweeps.size === 0 && (this.pool?.idle ?? true);
  }

  /** Cancels every sweep, waits for their last events, and ends the pool's threads. */
  async close(): Promise<void> {
    this.closed = true;
    const ending = [...this.sweeps.values()].map((sweep) => (this.cancel(sweep.plan.sweepId), sweep.whenEnded));
    await Promise.all(ending);
    await this.pool?.destroy();
    this.pool = null;
  }

  /** Starts seeds while the sweep has some left and a thread free; ends the sweep when nothing is left going. */
  private fill(sweep: SweepGoing): void {
    const pool = this.pool;
    if (pool === null || sweep.ended) return;
    const seedEnd = sweep.plan.firstSeed + sweep.plan.seedCount;
    while (!sweep.stopping && sweep.seedsRunning < pool.threads && sweep.seedNext < seedEnd) this.runSeed(pool, sweep, sweep.seedNext++);
    if (sweep.seedsRunning === 0 && (sweep.stopping || sweep.seedNext >= seedEnd)) this.end(sweep);
  }

  private runSeed(pool: SweepPool, sweep: SweepGoing, seed: number): void {
    sweep.seedsRunning++;
    pool.runSeed(sweep.plan.experiment, seed, sweep.abort.signal).then(
      (outcome) => {
        sweep.seedsRunning--;
        // A seed that finished is reported even when the sweep was cancelled meanwhile: it is a true result.
        sweep.done++;
        sweep.unreported.push(seedOutcomeOf(outcome));
        // The last seed goes out with the last event, not in one of its own just before.
        this.fill(sweep);
        if (!sweep.ended) this.scheduleReport(sweep);
      },
      (error: unknown) => {
        sweep.seedsRunning--;
        if (!sweep.stopping) {
          sweep.error = `seed ${seed} could not run: ${error instanceof Error ? error.message : String(error)}`;
          this.stop(sweep);
        }
        this.fill(sweep);
      },
    );
  }

  private stop(sweep: SweepGoing): void {
    if (sweep.stopping) return;
    sweep.stopping = true;
    sweep.abort.abort();
    this.fill(sweep);
  }

  /** Reports now if the last event is old enough, else once it is. */
  private scheduleReport(sweep: SweepGoing): void {
    if (sweep.reportTimer !== null) return;
    const waitMs = sweep.reportedAtMs + (this.options.progressIntervalMs ?? progressIntervalMsDefault) - performance.now();
    if (waitMs <= 0) this.reportProgress(sweep);
    else sweep.reportTimer = setTimeout(() => this.reportProgress(sweep), waitMs);
  }

  private reportProgress(sweep: SweepGoing): void {
    if (sweep.reportTimer !== null) clearTimeout(sweep.reportTimer);
    sweep.reportTimer = null;
    if (sweep.ended || sweep.unreported.length === 0) return;
    this.emitProgress(sweep, false);
  }

  private emitProgress(sweep: SweepGoing, finished: boolean): void {
    const outcomes = sweep.unreported;
    sweep.unreported = [];
    sweep.reportedAtMs = performance.now();
    this.report({
      sweepId: sweep.plan.sweepId,
      done: sweep.done,
      total: sweep.plan.seedCount,
      outcomes,
      finished,
      cancelled: sweep.cancelled,
      ...(sweep.error === null ? {} : { error: sweep.error }),
    });
  }

  /** The last event: whatever finished since the previous one, and how the sweep ended. */
  private end(sweep: SweepGoing): void {
    if (sweep.ended) return;
    if (sweep.reportTimer !== null) clearTimeout(sweep.reportTimer);
    sweep.reportTimer = null;
    sweep.ended = true;
    this.sweeps.delete(sweep.plan.sweepId);
    try {
      this.emitProgress(sweep, true);
    } finally {
      sweep.markEnded();
    }
  }
}
