import { assert } from '../base/assert';
import type { Prng } from '../base/prng';

/**
 * The intended start times of one client (ARCHITECTURE §5): a Poisson process at the client's share of
 * `ratePerSec`, drawn from the client's own seeded stream, so the load a run offers depends on the
 * seed alone and never on how fast the cluster answers (the load generator must not slow down
 * exactly when the system does: coordinated omission).
 */
export class PoissonSchedule {
  private readonly gapMeanUs: number;
  private nextUs: number;

  constructor(
    ratePerSec: number,
    private readonly prng: Prng,
    startUs = 0,
  ) {
    assert(ratePerSec > 0, 'a schedule needs a positive rate');
    this.gapMeanUs = 1e6 / ratePerSec;
    this.nextUs = startUs + this.gapUs();
  }

  /** An exponential gap, in whole µs and at least 1, so intended starts strictly increase. */
  private gapUs(): number {
    return Math.max(1, Math.round(-this.gapMeanUs * Math.log(1 - this.prng.float())));
  }

  /** The next intended start (µs of true time); each call moves the schedule on by one. */
  next(): number {
    const intendedUs = this.nextUs;
    this.nextUs += this.gapUs();
    return intendedUs;
  }
}
