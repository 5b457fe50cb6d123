import { performance } from 'node:perf_hooks';
import { ContractError, type LabEvent } from '../../src/contract/lab';
import { databaseProfiles } from '../../src/experiment/guarantees';
import { guaranteeTasks, runGuaranteeTasks } from '../guaranteesRun';
import { SweepPool, progressIntervalMsDefault, sweepThreadsDefault } from './sweepService';

/** Guarantees runs that may go at once in one lab service (each is tens to hundreds of runs). */
export const guaranteesGoingMax = 1;

export type GuaranteesProgress = LabEvent<'guaranteesProgress'>;

interface GuaranteesGoing {
  readonly abort: AbortController;
  readonly total: number;
  done: number;
  unreported: GuaranteesProgress['outcomes'];
  reportedAtMs: number;
  reportTimer: ReturnType<typeof setTimeout> | null;
}

/**
 * The app's guarantees runs (ARCHITECTURE §11): the table's runs (main/guaranteesRun.ts, the same
 * runner as `caplab guarantees`) in a sweep pool of their own, finished runs reported at most about
 * ten times a second, cancel stops starting runs and abandons the ones going.
 */
export class GuaranteesRunner {
  private pool: SweepPool | null = null;
  private readonly going = new Map<string, GuaranteesGoing>();
  private readonly ended = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly report: (progress: GuaranteesProgress) => void,
    private readonly options: { threads?: number; progressIntervalMs?: number } = {},
  ) {}

  /** Starts the runs of these profiles (names already checked by the contract; default all) for seeds 1 … `seeds`. */
  start(request: { guaranteesId: string; seeds: number; profiles?: readonly string[] | undefined }): { guaranteesId: string; runs: number } {
    const { guaranteesId } = request;
    if (this.closed) throw new ContractError('startGuarantees: the lab is closing');
    if (this.going.has(guaranteesId)) throw new ContractError(`startGuarantees: a guarantees run with id ${guaranteesId} is already going`);
    if (this.going.size >= guaranteesGoingMax) throw new ContractError('startGuarantees: a guarantees run is going already; wait for it to finish or cancel it');
    const profiles = request.profiles === undefined ? databaseProfiles : databaseProfiles.filter((profile) => request.profiles?.includes(profile.name));
    const tasks = guaranteeTasks(request.seeds, profiles);
    this.pool ??= new SweepPool(this.options.threads ?? sweepThreadsDefault());
    const job: GuaranteesGoing = { abort: new AbortController(), total: tasks.length, done: 0, unreported: [], reportedAtMs: -Infinity, reportTimer: null };
    this.going.set(guaranteesId, job);
    const finished = runGuaranteeTasks(this.pool, tasks, {
      signal: job.abort.signal,
      onRun: (observation) => {
        job.done++;
        job.unreported.push({ ...observation, seen: [...observation.seen], undecided: [...observation.undecided] });
        if (job.done < job.total) this.scheduleReport(guaranteesId, job);
      },
    }).then(
      ({ cancelled }) => this.end(guaranteesId, job, cancelled, null),
      (error: unknown) => this.end(guaranteesId, job, false, error instanceof Error ? error.message : String(error)),
    );
    this.ended.add(finished);
    void finished.finally(() => this.ended.delete(finished));
    return { guaranteesId, runs: tasks.length };
  }

  /** Cancels the guarantees run with this id; false when none is going. */
  cancel(guaranteesId: string): boolean {
    const job = this.going.get(guaranteesId);
    if (job === undefined) return false;
    job.abort.abort();
    return true;
  }

  /** No guarantees run going (what a test of cancel looks at). */
  get idle(): boolean {
    return this.going.size === 0 && (this.pool?.idle ?? true);
  }

  /** Cancels every run, waits for their last events, and ends the pool's threads. */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of this.going.keys()) this.cancel(id);
    await Promise.all([...this.ended]);
    await this.pool?.destroy();
    this.pool = null;
  }

  private scheduleReport(guaranteesId: string, job: GuaranteesGoing): void {
    if (job.reportTimer !== null) return;
    const waitMs = job.reportedAtMs + (this.options.progressIntervalMs ?? progressIntervalMsDefault) - performance.now();
    if (waitMs <= 0) this.emit(guaranteesId, job, false, false, null);
    else
      job.reportTimer = setTimeout(() => {
        job.reportTimer = null;
        if (this.going.get(guaranteesId) === job && job.unreported.length > 0) this.emit(guaranteesId, job, false, false, null);
      }, waitMs);
  }

  private emit(guaranteesId: string, job: GuaranteesGoing, finished: boolean, cancelled: boolean, error: string | null): void {
    const outcomes = job.unreported;
    job.unreported = [];
    job.reportedAtMs = performance.now();
    this.report({ guaranteesId, done: job.done, total: job.total, outcomes, finished, cancelled, ...(error === null ? {} : { error }) });
  }

  /** The last event: whatever finished since the previous one, and how the run ended. */
  private end(guaranteesId: string, job: GuaranteesGoing, cancelled: boolean, error: string | null): void {
    if (job.reportTimer !== null) clearTimeout(job.reportTimer);
    job.reportTimer = null;
    this.going.delete(guaranteesId);
    this.emit(guaranteesId, job, true, cancelled || (job.abort.signal.aborted && error === null && job.done < job.total), error);
  }
}
