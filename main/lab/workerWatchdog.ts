import { performance } from 'node:perf_hooks';
import type { NodeId } from '../../src/base/ids';

/** Wall ms a replica's worker may go without answering before it is unresponsive (issue 13: a worker that spins forever). */
export const workerAnswerWallMsDefault = 5_000;

/**
 * The live runtime's watchdog over its replica workers: it pings every worker that is up a few
 * times per bound, and a worker that has sent nothing at all (no output, no pong) for
 * `answerWallMsMax` of wall time is reported unresponsive, once, so the run can stop it and show
 * the node down with the reason instead of up and silent.
 */
export class WorkerWatchdog {
  private readonly heardWallMs = new Map<NodeId, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly answerWallMsMax: number,
    private readonly ping: (id: NodeId) => void,
    private readonly unresponsive: (id: NodeId) => void,
  ) {}

  /** Starts watching a node's new worker (as if it had just answered). */
  watch(id: NodeId): void {
    this.heardWallMs.set(id, performance.now());
  }

  /** The node's worker sent something. */
  heard(id: NodeId): void {
    if (this.heardWallMs.has(id)) this.heardWallMs.set(id, performance.now());
  }

  /** The node's worker is gone (crashed, died, stopped): nothing to watch. */
  forget(id: NodeId): void {
    this.heardWallMs.delete(id);
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.check(), Math.max(10, Math.floor(this.answerWallMsMax / 4)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.heardWallMs.clear();
  }

  private check(): void {
    const nowMs = performance.now();
    for (const [id, heardMs] of [...this.heardWallMs]) {
      if (nowMs - heardMs > this.answerWallMsMax) {
        this.heardWallMs.delete(id);
        this.unresponsive(id);
      } else this.ping(id);
    }
  }
}
