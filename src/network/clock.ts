import { assert } from '../base/assert';

/**
 * A node's local clock (ARCHITECTURE §4): local = offset + true time scaled by (1 + drift). Changing
 * the drift re-anchors the clock so local time stays continuous. A drifting clock makes the
 * node's ticks run fast or slow, which is what breaks leases honestly.
 */
export class NodeClock {
  private anchorTrueUs = 0;
  private anchorLocalUs = 0;
  private rate = 1;

  constructor(offsetUs = 0, driftPpm = 0) {
    this.anchorLocalUs = offsetUs;
    this.setDrift(0, driftPpm);
  }

  get driftPpm(): number {
    return Math.round((this.rate - 1) * 1e6);
  }

  setDrift(trueUs: number, driftPpm: number): void {
    assert(driftPpm > -1e6, `clock drift must be above -1,000,000 ppm, got ${driftPpm}`);
    this.anchorLocalUs = this.localUs(trueUs);
    this.anchorTrueUs = trueUs;
    this.rate = 1 + driftPpm / 1e6;
  }

  /** Jumps the local clock by `offsetUs` (positive: ahead). */
  shift(trueUs: number, offsetUs: number): void {
    this.anchorLocalUs = this.localUs(trueUs) + offsetUs;
    this.anchorTrueUs = trueUs;
  }

  localUs(trueUs: number): number {
    return Math.floor(this.anchorLocalUs + (trueUs - this.anchorTrueUs) * this.rate);
  }

  /** The true time (µs, rounded up) at which the local clock reads `localUs`. */
  trueUsAt(localUs: number): number {
    return Math.ceil(this.anchorTrueUs + (localUs - this.anchorLocalUs) / this.rate);
  }
}
