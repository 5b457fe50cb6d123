import type { FaultSpan } from '../../src/contract/engine';
import { MessageFate, type MessageTimeline, type TimelineMessage, type TimelineViewport, laneY, lineEndUs, timeX, timelineLinesDrawnMax } from './messageTimeline';

/**
 * One picture of the space-time diagram as plain data in CSS pixels: lanes, shaded outages and
 * fault windows, one line per message, the replay's cursor and the hovered line. It is built on
 * the page from the timeline (one pass over the visible messages into typed arrays, no object per
 * message) and painted wherever the canvas lives: in a worker when the browser can hand a canvas
 * over, so the thousands of lines are rasterised off the page's thread. Pure.
 */

/** The theme's colours, as `#rrggbb` (an alpha is appended for shades and lines). */
export interface SpaceTimeColours {
  readonly text: string;
  readonly border: string;
  readonly accent: string;
  readonly bad: string;
  readonly warn: string;
  readonly good: string;
}

/** A shaded rectangle (a fault window across the lanes, or one lane's outage), px. */
export interface SceneShade {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly colour: string;
}

/** A lane: its replica's name and the height of its line, px. */
export interface SceneLane {
  readonly label: string;
  readonly y: number;
}

export interface SpaceTimeScene {
  /** The canvas's size in CSS pixels (lanes and the time axis below them). */
  readonly widthPx: number;
  readonly heightPx: number;
  /** The lanes' part of it, above the axis, px. */
  readonly lanesHeightPx: number;
  /** Device pixels per CSS pixel. */
  readonly pixelRatio: number;
  readonly colours: SpaceTimeColours;
  /** Where the lanes' lines start (left of it: their labels), px. */
  readonly lanesStartPx: number;
  readonly lanes: readonly SceneLane[];
  readonly shades: readonly SceneShade[];
  /** Each message's line as x1, y1, x2, y2 (px), in the order of `fates`. */
  readonly lines: Float32Array;
  /** Each line's MessageFate: delivered solid, dropped with a cross at its end, in flight dashed. */
  readonly fates: Uint8Array;
  /** The replay's instant, px; null live. */
  readonly cursorX: number | null;
  /** The hovered message's line, x1, y1, x2, y2 (px). */
  readonly highlight: readonly [number, number, number, number] | null;
  /** The window's start and end written under the lanes; null when there is no timeline yet. */
  readonly axis: { readonly startText: string; readonly endText: string } | null;
}

/** What a scene is built from. */
export interface SpaceTimeSceneInput {
  readonly timeline: MessageTimeline | null;
  readonly viewport: TimelineViewport;
  /** Height of the time axis under the lanes, px. */
  readonly axisHeightPx: number;
  readonly pixelRatio: number;
  readonly colours: SpaceTimeColours;
  readonly faults: readonly FaultSpan[];
  readonly cursorUs: number | null;
  readonly hovered: TimelineMessage | null;
  /** Lines drawn at most (a wider window is thinned evenly). */
  readonly linesMax?: number;
}

/** Grows to the largest scene seen; each scene gets an exact-size copy (it is handed to the worker, which takes its buffer). */
let lineScratch = new Float32Array(4 * 1024);
let fateScratch = new Uint8Array(1024);

function ensureScratch(count: number): void {
  if (count <= fateScratch.length) return;
  const size = Math.max(count, fateScratch.length * 2);
  const lines = new Float32Array(4 * size);
  lines.set(lineScratch);
  const fates = new Uint8Array(size);
  fates.set(fateScratch);
  lineScratch = lines;
  fateScratch = fates;
}

/** The scene for the window `viewport` shows. */
export function spaceTimeScene(input: SpaceTimeSceneInput): SpaceTimeScene {
  const { timeline, viewport: view, colours } = input;
  const widthPx = view.widthPx;
  const heightPx = view.heightPx + input.axisHeightPx;
  const empty = { widthPx, heightPx, lanesHeightPx: view.heightPx, pixelRatio: input.pixelRatio, colours, lanesStartPx: view.marginLeftPx, lanes: [], shades: [], lines: new Float32Array(0), fates: new Uint8Array(0), cursorX: null, highlight: null, axis: null };
  if (timeline === null) return empty;
  const laneHeightPx = view.heightPx / Math.max(1, view.laneCount);
  const shades: SceneShade[] = [];
  // Fault windows across every lane, then each lane's own outages.
  for (const fault of input.faults) {
    const x1 = Math.max(view.marginLeftPx, timeX(view, fault.startMs * 1000));
    const x2 = Math.min(widthPx, timeX(view, (fault.endMs ?? Number.POSITIVE_INFINITY) * 1000));
    if (x2 > x1) shades.push({ x: x1, y: 0, width: x2 - x1, height: view.heightPx, colour: `${colours.warn}22` });
  }
  for (const outage of timeline.outages) {
    const x1 = Math.max(view.marginLeftPx, timeX(view, outage.startUs));
    const x2 = Math.min(widthPx, outage.endUs === null ? widthPx : timeX(view, outage.endUs));
    if (x2 <= x1) continue;
    shades.push({ x: x1, y: laneY(view, outage.lane) - laneHeightPx / 2 + 2, width: x2 - x1, height: laneHeightPx - 4, colour: outage.cause === 'crash' ? `${colours.bad}33` : `${colours.warn}33` });
  }
  let count = 0;
  timeline.forEachLineInWindow(
    view.startUs,
    view.endUs,
    (message) => {
      ensureScratch(count + 1);
      const y1 = laneY(view, message.fromLane);
      const toY = laneY(view, message.toLane);
      // In flight: the line stops halfway between the lanes, at the window's end.
      const y2 = message.fate === MessageFate.InFlight ? y1 + (toY - y1) * 0.5 : toY;
      lineScratch[4 * count] = timeX(view, message.sendUs);
      lineScratch[4 * count + 1] = y1;
      lineScratch[4 * count + 2] = timeX(view, lineEndUs(message, view));
      lineScratch[4 * count + 3] = y2;
      fateScratch[count] = message.fate;
      count++;
    },
    input.linesMax ?? timelineLinesDrawnMax,
  );
  const hovered = input.hovered;
  return {
    ...empty,
    lanes: timeline.lanes.map((label, index) => ({ label, y: laneY(view, index) })),
    shades,
    lines: lineScratch.slice(0, 4 * count),
    fates: fateScratch.slice(0, count),
    cursorX: input.cursorUs === null ? null : timeX(view, input.cursorUs),
    highlight: hovered === null ? null : [timeX(view, hovered.sendUs), laneY(view, hovered.fromLane), timeX(view, lineEndUs(hovered, view)), laneY(view, hovered.toLane)],
    axis: { startText: `${(view.startUs / 1000).toFixed(1)} ms`, endText: `${(view.endUs / 1000).toFixed(1)} ms` },
  };
}

/** How many lines a scene has. */
export function sceneLineCount(scene: SpaceTimeScene): number {
  return scene.fates.length;
}
