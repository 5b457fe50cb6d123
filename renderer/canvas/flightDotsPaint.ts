import { pointAlong } from '../diagram/clusterLayout';
import { type FlightClock, type FlightCountsScene, type FlightDotsScene, clockTimeAt } from '../diagram/flightScene';
import { flightLifeEndMs, forEachFlightAt } from '../diagram/messageFlights';

/**
 * Draws the cluster graph's messages on a 2D canvas, the page's own or (usually) an OffscreenCanvas
 * in the graph's worker: the animator runs the dots' frames itself, from the last scene and the
 * clock it came with, so the page's thread does nothing per frame.
 */

/** A page canvas's context or a worker's. */
export type FlightContext = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** What the page sends the graph's worker: its canvas once, then scenes. */
export type FlightPaintRequest =
  | { readonly kind: 'canvas'; readonly canvas: OffscreenCanvas }
  | { readonly kind: 'dots'; readonly scene: FlightDotsScene }
  | { readonly kind: 'counts'; readonly scene: FlightCountsScene };

const dotRadiusPx = 3.5;
const crossHalfPx = 5;

/** Wall time in ms since the epoch: comparable between the page and its workers. */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();

/** The canvas sized to the scene (in device pixels) and cleared. */
function cleared(context: FlightContext, scene: { widthPx: number; heightPx: number; pixelRatio: number }): void {
  const canvas = context.canvas;
  const width = Math.round(scene.widthPx * scene.pixelRatio);
  const height = Math.round(scene.heightPx * scene.pixelRatio);
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  context.setTransform(scene.pixelRatio, 0, 0, scene.pixelRatio, 0, 0);
  context.clearRect(0, 0, scene.widthPx, scene.heightPx);
}

/** The dots at animation time `atMs`: a request a filled dot, a reply a ring, a dropped message a fading cross. */
export function paintDots(context: FlightContext, scene: FlightDotsScene, atMs: number): void {
  cleared(context, scene);
  context.lineWidth = 2;
  forEachFlightAt(scene.flights, atMs, (flight, fraction, fade) => {
    const line = scene.segments[flight.fromIndex * scene.nodeCount + flight.toIndex];
    if (line === null || line === undefined) return;
    const at = pointAlong(line, fraction);
    if (fade !== null) {
      context.globalAlpha = Math.max(0, fade);
      context.strokeStyle = scene.colours.bad;
      context.beginPath();
      context.moveTo(at.x - crossHalfPx, at.y - crossHalfPx);
      context.lineTo(at.x + crossHalfPx, at.y + crossHalfPx);
      context.moveTo(at.x + crossHalfPx, at.y - crossHalfPx);
      context.lineTo(at.x - crossHalfPx, at.y + crossHalfPx);
      context.stroke();
      context.globalAlpha = 1;
      return;
    }
    const fill = scene.kindColours[flight.kindIndex] ?? scene.colours.text;
    context.beginPath();
    context.arc(at.x, at.y, dotRadiusPx, 0, 2 * Math.PI);
    if (scene.replies[flight.kindIndex] === true) {
      context.fillStyle = scene.colours.surface;
      context.fill();
      context.strokeStyle = fill;
      context.stroke();
    } else {
      context.fillStyle = fill;
      context.fill();
    }
  });
}

/** Reduced motion: each link's messages per second, with a halo in the panel's colour. */
export function paintCounts(context: FlightContext, scene: FlightCountsScene): void {
  cleared(context, scene);
  context.font = '10px system-ui, sans-serif';
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.lineWidth = 3;
  for (const label of scene.labels) {
    context.strokeStyle = scene.colours.surface;
    context.strokeText(label.text, label.x, label.y);
    context.fillStyle = scene.colours.text;
    context.fillText(label.text, label.x, label.y);
  }
}

/**
 * Animates the dots of the newest scene: one frame per animation frame while the clock runs and
 * a dot is left; a stopped clock (a paused run) leaves its frame standing. A counts scene is
 * painted once and stops the dots.
 */
export class FlightAnimator {
  private dots: FlightDotsScene | null = null;
  private frameRequested = false;

  constructor(
    private readonly context: FlightContext,
    private readonly requestFrame: (callback: () => void) => void,
  ) {}

  showDots(scene: FlightDotsScene): void {
    this.dots = scene;
    this.wake();
  }

  showCounts(scene: FlightCountsScene): void {
    this.dots = null;
    paintCounts(this.context, scene);
  }

  private wake(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    this.requestFrame(() => this.onFrame());
  }

  private onFrame(): void {
    this.frameRequested = false;
    const scene = this.dots;
    if (scene === null) return;
    const atMs = clockTimeAt(scene.clock, wallClockMs());
    paintDots(this.context, scene, atMs);
    if (scene.clock.playing && flying(scene.flights, atMs)) this.wake();
  }
}

function flying(flights: FlightDotsScene['flights'], atMs: number): boolean {
  return flights.some((flight) => flightLifeEndMs(flight) > atMs);
}

/** The clock as the page reads it now. */
export function flightClock(animationMs: number, playing: boolean): FlightClock {
  return { animationMs, wallMs: wallClockMs(), playing };
}
