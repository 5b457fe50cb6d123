import type { FrameClock } from '../stores/chartRedraws';

/**
 * When a canvas that is painted elsewhere (a worker) gets its next picture: requests are coalesced
 * to one per animation frame; those of data that merely grew wait until `growingIntervalMs` has
 * passed since the last picture (what the user does is painted in the next frame); and while a
 * picture is being painted no other is made: the next is made when that one is done, from the
 * newest state, so a slow machine paints less often instead of queueing stale pictures. Pure: the
 * frames and timers are handed in.
 */

/** What became of one attempt to paint. */
export type PaintOutcome =
  /** Painted at once (or nothing to paint). */
  | 'painted'
  /** Sent to the painter: `done()` says when it is finished. */
  | 'sent'
  /** The painter is not ready: the request stays, and `request()` is called again once it is. */
  | 'not-ready';

export class PaintScheduler {
  /** A picture was asked for and not made yet. */
  private wanted = false;
  /** A picture is with the painter. */
  private painting = false;
  private frameRequested = false;
  private timerSet = false;
  private madeAtMs = Number.NEGATIVE_INFINITY;
  private disposed = false;

  constructor(
    private readonly clock: FrameClock,
    private readonly paint: () => PaintOutcome,
    readonly growingIntervalMs: number,
  ) {}

  /** Asks for a picture of the current state in a later frame; `growing`: only the data grew, so it may wait for the interval. */
  request(growing = false): void {
    if (this.disposed) return;
    const waitMs = this.madeAtMs + this.growingIntervalMs - this.clock.nowMs();
    if (growing && waitMs > 0) {
      if (this.timerSet) return;
      this.timerSet = true;
      this.clock.setTimer(() => {
        this.timerSet = false;
        this.request();
      }, waitMs);
      return;
    }
    this.wanted = true;
    this.askFrame();
  }

  /** The painter finished the picture it was sent (or failed it): a picture asked for meanwhile is made now. */
  done(): void {
    this.painting = false;
    if (this.wanted) this.askFrame();
  }

  /** No more pictures (the canvas is gone). */
  dispose(): void {
    this.disposed = true;
  }

  /** Whether a picture is with the painter. */
  get busy(): boolean {
    return this.painting;
  }

  private askFrame(): void {
    if (this.frameRequested || this.painting) return;
    this.frameRequested = true;
    this.clock.requestFrame(() => this.onFrame());
  }

  private onFrame(): void {
    this.frameRequested = false;
    if (this.disposed || !this.wanted || this.painting) return;
    const startedAtMs = this.clock.nowMs();
    const outcome = this.paint();
    if (outcome === 'not-ready') return;
    this.madeAtMs = startedAtMs;
    this.wanted = false;
    if (outcome === 'sent') this.painting = true;
  }
}
