import { assert } from '../base/assert';
import type { Prng } from '../base/prng';

/** Draws key indices 0..count-1, uniformly or with a Zipf law (key 0 the hottest). */
export class KeyChooser {
  private readonly cumulative: Float64Array | null;

  constructor(
    private readonly count: number,
    distribution: 'uniform' | 'zipf',
    exponent: number,
  ) {
    assert(count >= 1, 'a key space needs at least one key');
    if (distribution === 'uniform') {
      this.cumulative = null;
      return;
    }
    const weights = Array.from({ length: count }, (_, rank) => 1 / Math.pow(rank + 1, exponent));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    this.cumulative = new Float64Array(count);
    let running = 0;
    weights.forEach((weight, index) => {
      running += weight / total;
      (this.cumulative as Float64Array)[index] = running;
    });
  }

  next(prng: Prng): number {
    if (this.cumulative === null) return prng.int(0, this.count - 1);
    const draw = prng.float();
    let low = 0;
    let high = this.count - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.cumulative[middle] as number) < draw) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** Key names as the history shows them: k1, k2, … */
export const keyName = (index: number): string => `k${index + 1}`;
