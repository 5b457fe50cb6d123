/**
 * Live charts are redrawn by one queue, one chart per animation frame and each at most every
 * `chartRedrawIntervalMs`: a metrics batch (up to ten a second) used to redraw all seven charts in
 * the same task, 60–120 ms of ECharts work in one frame. Charts out of view are not redrawn at all;
 * they catch up when they scroll into view.
 */

/** The least time between two redraws of the same live chart. */
export const chartRedrawIntervalMs = 1000;

/** One chart as the queue sees it. */
export interface QueuedChart {
  /** Redraws the chart from its newest option. */
  redraw(): void;
}

/** What the queue needs of the page: animation frames and timers (the browser's, or fakes in tests). */
export interface FrameClock {
  nowMs(): number;
  requestFrame(callback: () => void): void;
  setTimer(callback: () => void, delayMs: number): void;
}

export class ChartRedrawQueue {
  private readonly queue: QueuedChart[] = [];
  private readonly lastRedrawMs = new Map<QueuedChart, number>();
  private readonly waiting = new Set<QueuedChart>();
  private frameRequested = false;

  constructor(
    private readonly clock: FrameClock,
    private readonly intervalMs = chartRedrawIntervalMs,
  ) {}

  /** Asks for a redraw of `chart`: in a later frame, not before its interval has passed since the last one. */
  request(chart: QueuedChart): void {
    if (this.waiting.has(chart) || this.queue.includes(chart)) return;
    const sinceMs = this.clock.nowMs() - (this.lastRedrawMs.get(chart) ?? Number.NEGATIVE_INFINITY);
    if (sinceMs >= this.intervalMs) {
      this.enqueue(chart);
      return;
    }
    this.waiting.add(chart);
    this.clock.setTimer(() => {
      if (!this.waiting.delete(chart)) return;
      this.enqueue(chart);
    }, this.intervalMs - sinceMs);
  }

  /**
   * Asks for a redraw of `chart` in the next free frame, whatever its interval: for a change the
   * whole page makes at once (the theme), where a chart left in the old colours for a second shows.
   */
  requestNow(chart: QueuedChart): void {
    this.waiting.delete(chart);
    if (!this.queue.includes(chart)) this.enqueue(chart);
  }

  /** Forgets a chart (unmounted): a pending redraw is dropped. */
  forget(chart: QueuedChart): void {
    this.waiting.delete(chart);
    const index = this.queue.indexOf(chart);
    if (index >= 0) this.queue.splice(index, 1);
    this.lastRedrawMs.delete(chart);
  }

  /** Charts waiting for a frame. */
  get pending(): number {
    return this.queue.length;
  }

  private enqueue(chart: QueuedChart): void {
    this.queue.push(chart);
    if (this.frameRequested) return;
    this.frameRequested = true;
    this.clock.requestFrame(() => this.onFrame());
  }

  private onFrame(): void {
    this.frameRequested = false;
    const chart = this.queue.shift();
    if (chart !== undefined) {
      this.lastRedrawMs.set(chart, this.clock.nowMs());
      chart.redraw();
    }
    if (this.queue.length > 0) {
      this.frameRequested = true;
      this.clock.requestFrame(() => this.onFrame());
    }
  }
}

let shared: ChartRedrawQueue | null = null;

/** The page's queue, on the browser's frames and timers. */
export function chartRedrawQueue(): ChartRedrawQueue {
  shared ??= new ChartRedrawQueue({
    nowMs: () => performance.now(),
    // Typed here, not from the DOM's library: this file is also type-checked for Node with the stores.
    requestFrame: (callback) => void (globalThis as unknown as { requestAnimationFrame(run: () => void): number }).requestAnimationFrame(() => callback()),
    setTimer: (callback, delayMs) => void setTimeout(callback, delayMs),
  });
  return shared;
}
