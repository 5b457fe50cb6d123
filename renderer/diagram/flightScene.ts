import { type Point, type Segment, pointAlong } from './clusterLayout';
import { type Flight, type LinkRate, isReplyKind } from './messageFlights';

/**
 * What the cluster graph's message canvas shows, as plain data: the sampled flights with the
 * animation clock (the dots are animated wherever the canvas lives, a worker when it can be
 * handed over), or, with reduced motion, each link's messages per second as still text. Pure.
 */

/** The theme's colours for the canvas. */
export interface FlightColours {
  readonly bad: string;
  readonly surface: string;
  readonly text: string;
}

/** The animation clock as the page read it: its time at a wall time, and whether it runs. */
export interface FlightClock {
  /** Animation time, ms. */
  readonly animationMs: number;
  /** Wall time it was read at, ms since the epoch (performance.timeOrigin + performance.now(), the same in a worker). */
  readonly wallMs: number;
  /** It runs with the wall clock; stopped, the dots stand where they are. */
  readonly playing: boolean;
}

interface CanvasSize {
  readonly widthPx: number;
  readonly heightPx: number;
  /** Device pixels per CSS pixel. */
  readonly pixelRatio: number;
  readonly colours: FlightColours;
}

/** The moving dots. */
export interface FlightDotsScene extends CanvasSize {
  /** Each directed link's line, by `fromIndex * nodeCount + toIndex`; null when a node is not drawn. */
  readonly segments: ReadonlyArray<Segment | null>;
  readonly nodeCount: number;
  /** By a flight's `kindIndex`: the kind's colour, and whether it is a reply (drawn as a ring). */
  readonly kindColours: readonly string[];
  readonly replies: readonly boolean[];
  readonly flights: readonly Flight[];
  readonly clock: FlightClock;
}

/** A link's rate written beside it (reduced motion). */
export interface FlightCountLabel {
  readonly text: string;
  readonly x: number;
  readonly y: number;
}

/** The still picture: every link's messages per second. */
export interface FlightCountsScene extends CanvasSize {
  readonly labels: readonly FlightCountLabel[];
}

/** How far a still count sits off its line, to the side of its direction, px. */
export const countOffsetPx = 9;

export function flightDotsScene(input: CanvasSize & { segments: ReadonlyArray<Segment | null>; nodeCount: number; kinds: readonly string[]; colourOf: (kind: string) => string; flights: readonly Flight[]; clock: FlightClock }): FlightDotsScene {
  const { segments, nodeCount, kinds, colourOf, flights, clock, ...size } = input;
  return { ...size, segments, nodeCount, kindColours: kinds.map(colourOf), replies: kinds.map(isReplyKind), flights, clock };
}

/** Each link's rate, written beside the middle of its line, to the side of its direction (so the two directions do not overlap). */
export function flightCountsScene(input: CanvasSize & { segments: ReadonlyArray<Segment | null>; nodeCount: number; rates: readonly LinkRate[] }): FlightCountsScene {
  const { segments, nodeCount, rates, ...size } = input;
  const labels: FlightCountLabel[] = [];
  for (const rate of rates) {
    const line = segments[rate.fromIndex * nodeCount + rate.toIndex];
    if (line === null || line === undefined) continue;
    const middle: Point = pointAlong(line, 0.5);
    const length = Math.max(1, Math.hypot(line.x2 - line.x1, line.y2 - line.y1));
    labels.push({
      text: `${rate.perSecond < 10 ? rate.perSecond.toFixed(1) : Math.round(rate.perSecond)}/s`,
      x: middle.x - ((line.y2 - line.y1) / length) * countOffsetPx,
      y: middle.y + ((line.x2 - line.x1) / length) * countOffsetPx,
    });
  }
  return { ...size, labels };
}

/** The animation time a clock reading stands for at the wall time `wallMs`. */
export function clockTimeAt(clock: FlightClock, wallMs: number): number {
  return clock.playing ? clock.animationMs + Math.max(0, wallMs - clock.wallMs) : clock.animationMs;
}
