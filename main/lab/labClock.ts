import { limits } from '../../src/base/limits';
import { assert } from '../../src/base/assert';
import { type LabTime, labNowUs } from '../../src/contract/worker';
import { wallNowMs } from '../../workers/wallClock';

/** timeScaleMin: src/base/limits.ts. */
export const timeScaleMin = limits.timeScaleMin;
/** timeScaleMax: src/base/limits.ts. */
export const timeScaleMax = limits.timeScaleMax;

/**
 * The live run's clock: lab time in integer µs, running at `scale` × wall time, standing still
 * while the run is paused. Workers get the same anchor (`time`) and compute the same lab time.
 */
export class LabClock {
  private anchor: LabTime;
  private lastUs = 0;

  constructor(scale: number) {
    assertScale(scale);
    this.anchor = { labUs: 0, wallMs: wallNowMs(), scale, running: false };
  }

  /** Lab time now (µs), never going backwards. */
  nowUs(): number {
    const now = labNowUs(this.anchor, wallNowMs());
    if (now > this.lastUs) this.lastUs = now;
    return this.lastUs;
  }

  /**
   * The bus runs an event due at `labUs` (up to its round's resolution early): from then on lab time
   * reads at least `labUs`, so nothing that event does sees a time before it was due. Wall time
   * catches up within the round's resolution; until it does, the clock stands at `labUs`.
   */
  reach(labUs: number): void {
    if (labUs > this.lastUs) this.lastUs = labUs;
  }

  get time(): LabTime {
    return this.anchor;
  }

  get running(): boolean {
    return this.anchor.running;
  }

  get scale(): number {
    return this.anchor.scale;
  }

  /** Wall ms until lab time reaches `labUs` (0 if it has; Infinity while paused). */
  wallMsUntil(labUs: number): number {
    if (!this.anchor.running) return Infinity;
    return Math.max(0, (labUs - this.nowUs()) / 1000 / this.anchor.scale);
  }

  setRunning(running: boolean): void {
    this.reanchor({ running });
  }

  setScale(scale: number): void {
    assertScale(scale);
    this.reanchor({ scale });
  }

  private reanchor(change: Partial<LabTime>): void {
    this.anchor = { ...this.anchor, labUs: this.nowUs(), wallMs: wallNowMs(), ...change };
  }
}

function assertScale(scale: number): void {
  assert(scale >= timeScaleMin && scale <= timeScaleMax, `time scale must be ${timeScaleMin}..${timeScaleMax}, got ${scale}`);
}
