import { assert } from '../base/assert';

/**
 * A hybrid logical clock timestamp (Kulkarni, Demirbas et al., "Logical Physical Clocks", 2014):
 * the largest physical time the node has heard of, a logical counter that orders events within
 * one physical value, and the stamping node's id so two nodes never produce equal timestamps.
 * Plain data: it travels inside log entries and snapshots.
 */
export interface HlcTimestamp {
  /** The `l` of the paper: the largest physical clock reading known, in µs of some node's local clock. */
  readonly wallUs: number;
  /** The `c` of the paper: events since `wallUs` last moved forward. */
  readonly logical: number;
  /** The stamping node, the last tiebreak (last-writer-wins needs a total order). */
  readonly node: string;
}

/** The timestamp below every real one (a register that was never written). */
export const hlcZero: HlcTimestamp = { wallUs: 0, logical: 0, node: '' };

/** Total order: wall time, then the logical counter, then the node id. */
export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): number {
  if (a.wallUs !== b.wallUs) return a.wallUs < b.wallUs ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

/** The larger of two timestamps. */
export function maxHlc(a: HlcTimestamp, b: HlcTimestamp): HlcTimestamp {
  return compareHlc(a, b) >= 0 ? a : b;
}

/** Compact text form `wallUs.logical.node`, used in log-entry digests (kv/command.ts). */
export function formatHlc(timestamp: HlcTimestamp): string {
  return `${timestamp.wallUs}.${timestamp.logical}.${timestamp.node}`;
}

/** The inverse of `formatHlc`; null when the text is not a timestamp. */
export function parseHlc(text: string): HlcTimestamp | null {
  const parsed = /^(\d+)\.(\d+)\.([A-Za-z0-9_-]+)$/.exec(text);
  if (parsed === null) return null;
  return { wallUs: Number(parsed[1]), logical: Number(parsed[2]), node: parsed[3] as string };
}

/**
 * One node's hybrid logical clock. `now()` stamps a local event (a write this node accepts or
 * appends); `observe()` takes in a timestamp the node received, so everything it stamps later is
 * larger (causality), whatever its own physical clock says. The physical clock may be skewed,
 * drift, or even go backwards: the clock never does.
 */
export class HybridLogicalClock {
  private wallUs = 0;
  private logical = 0;

  constructor(
    readonly node: string,
    /** The node's physical clock in µs (skewed and drifting as the simulator makes it). */
    private readonly physicalClockUs: () => number,
  ) {
    assert(node.length > 0, 'hlc: a node id is needed for the tiebreak');
  }

  /** The latest timestamp this clock has issued or observed. */
  get last(): HlcTimestamp {
    return { wallUs: this.wallUs, logical: this.logical, node: this.node };
  }

  /** HLC send/local-event rule: l = max(l, pt); c = c + 1 if l did not move, else 0. */
  now(): HlcTimestamp {
    const physical = this.readPhysical();
    if (physical > this.wallUs) {
      this.wallUs = physical;
      this.logical = 0;
    } else {
      this.logical++;
    }
    return this.last;
  }

  /** HLC receive rule: l = max(l, l_m, pt), with the counter of whichever `l` won, plus one (0 when pt won). */
  observe(remote: HlcTimestamp): void {
    const physical = this.readPhysical();
    const wallUs = Math.max(this.wallUs, remote.wallUs, physical);
    let logical: number;
    if (wallUs === this.wallUs && wallUs === remote.wallUs) logical = Math.max(this.logical, remote.logical) + 1;
    else if (wallUs === this.wallUs) logical = this.logical + 1;
    else if (wallUs === remote.wallUs) logical = remote.logical + 1;
    else logical = 0;
    this.wallUs = wallUs;
    this.logical = logical;
  }

  /** Observes `remote` only when it is ahead of this clock (entries applied since the last stamp). */
  catchUp(remote: HlcTimestamp): void {
    if (compareHlc(remote, this.last) > 0) this.observe(remote);
  }

  private readPhysical(): number {
    const physical = Math.floor(this.physicalClockUs());
    assert(Number.isFinite(physical), 'hlc: the physical clock reads a finite number');
    return Math.max(0, physical);
  }
}
