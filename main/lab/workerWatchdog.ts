import { performance } from 'node:perf_hooks';
import type { NodeId } from '../../src/base/ids';

/** Wall ms a replica's worker may go without answering before it is unresponsive (issue 13: a worker that spins forever). */
export const workerAnswerWallMsDefault = 5_000;

/**
 * Wall ms a new worker may take to start (load its bundle, build its replica) before its first
 * answer. Loading is not a hang: on a loaded machine five workers starting at once took over 5 s.
 */
export const workerStartWallMsMax = 30_000;

/**
 * The live runtime's watchdog over its replica workers: it pings every worker that is up a few
 * times per bound, and a worker that has sent nothing at all (no output, no pong) for
 * `answerWallMsMax` of wall time is reported unresponsive, once, so the run can stop it and show
 * the node down with the reason instead of up and silent. Until a new worker's first answer the
 * bound is the longer `workerStartWallMsMax`.
 */
export class WorkerWatchdog {
  /** Per watched node, the wall instant (performance.now) past which its silence makes it unresponsive. */
  private readonly deadlineWallMs = new Map<NodeId, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly answerWallMsMax: number,
    private readonly ping: (id: NodeId) => void,
    private readonly unresponsive: (id: NodeId) => void,
  ) {}

  /** Starts watching a node's new worker, which has until the start bound to answer first. */
  watch(id: NodeId): void {
    this.deadlineWallMs.set(id, performance.now() + Math.max(this.answerWallMsMax, workerStartWallMsMax));
  }

  /** The node's worker sent something. */
  heard(id: NodeId): void {
    if (this.deadlineWallMs.has(id)) this.deadlineWallMs.set(id, performance.now() + this.answerWallMsMax);
  }

  /** The node's worker is gone (crashed, died, stopped): nothing to watch. */
  forget(id: NodeId): void {
    this.deadlineWallMs.delete(id);
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.check(), Math.max(10, Math.floor(this.answerWallMsMax / 4)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.deadlineWallMs.clear();
  }

  private check(): void {
    const nowMs = performance.now();
    for (const [id, deadlineMs] of [...this.deadlineWallMs]) {
      if (nowMs > deadlineMs) {
        this.deadlineWallMs.delete(id);
        this.unresponsive(id);
      } else this.ping(id);
    }
  }
}
