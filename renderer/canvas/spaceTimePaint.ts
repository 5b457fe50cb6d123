import { MessageFate } from '../diagram/messageTimeline';
import type { SpaceTimeScene } from '../diagram/spaceTimeScene';

/**
 * Paints a space-time scene on a 2D canvas: the page's own, or (usually) an OffscreenCanvas in
 * the diagram's worker. Each fate's lines go into one path, so a picture strokes three times, not
 * once per line.
 */

/** A page canvas's context or a worker's. */
export type SpaceTimeContext = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** Half the size of a dropped message's cross, px. */
const dropCrossHalfPx = 3;

/** What the page sends the diagram's worker: its canvas once, then scenes. */
export type SpaceTimePaintRequest = { readonly kind: 'canvas'; readonly canvas: OffscreenCanvas } | { readonly kind: 'scene'; readonly scene: SpaceTimeScene };

/** What the worker answers after each scene (its first word, `ready`, is useCanvasWorker's). */
export type SpaceTimePaintReply = { readonly kind: 'painted' };

export function paintSpaceTime(context: SpaceTimeContext, scene: SpaceTimeScene): void {
  const canvas = context.canvas;
  const ratio = scene.pixelRatio;
  const width = scene.widthPx;
  const height = scene.heightPx;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  if (scene.axis === null) return;
  const colour = scene.colours;
  for (const shade of scene.shades) {
    context.fillStyle = shade.colour;
    context.fillRect(shade.x, shade.y, shade.width, shade.height);
  }
  context.font = '11px system-ui, sans-serif';
  context.textBaseline = 'middle';
  context.lineWidth = 1;
  for (const lane of scene.lanes) {
    context.fillStyle = colour.text;
    context.fillText(lane.label, 6, lane.y);
    context.strokeStyle = colour.border;
    context.beginPath();
    context.moveTo(scene.lanesStartPx, lane.y);
    context.lineTo(width, lane.y);
    context.stroke();
  }
  paintLines(context, scene);
  if (scene.cursorX !== null) {
    context.strokeStyle = colour.good;
    context.lineWidth = 2;
    context.beginPath();
    context.moveTo(scene.cursorX, 0);
    context.lineTo(scene.cursorX, scene.lanesHeightPx);
    context.stroke();
    context.lineWidth = 1;
  }
  if (scene.highlight !== null) {
    const [x1, y1, x2, y2] = scene.highlight;
    context.strokeStyle = colour.good;
    context.lineWidth = 3;
    context.beginPath();
    context.moveTo(x1, y1);
    context.lineTo(x2, y2);
    context.stroke();
    context.lineWidth = 1;
  }
  context.fillStyle = colour.text;
  context.textBaseline = 'bottom';
  context.fillText(scene.axis.startText, scene.lanesStartPx, height - 2);
  context.fillText(scene.axis.endText, width - context.measureText(scene.axis.endText).width - 4, height - 2);
}

function paintLines(context: SpaceTimeContext, scene: SpaceTimeScene): void {
  const delivered = new Path2D();
  const dropped = new Path2D();
  const inFlight = new Path2D();
  const { lines, fates } = scene;
  for (let index = 0; index < fates.length; index++) {
    const fate = fates[index];
    const path = fate === MessageFate.Delivered ? delivered : fate === MessageFate.Dropped ? dropped : inFlight;
    const x2 = lines[4 * index + 2] as number;
    const y2 = lines[4 * index + 3] as number;
    path.moveTo(lines[4 * index] as number, lines[4 * index + 1] as number);
    path.lineTo(x2, y2);
    if (fate === MessageFate.Dropped) {
      path.moveTo(x2 - dropCrossHalfPx, y2 - dropCrossHalfPx);
      path.lineTo(x2 + dropCrossHalfPx, y2 + dropCrossHalfPx);
      path.moveTo(x2 + dropCrossHalfPx, y2 - dropCrossHalfPx);
      path.lineTo(x2 - dropCrossHalfPx, y2 + dropCrossHalfPx);
    }
  }
  context.strokeStyle = `${scene.colours.accent}aa`;
  context.stroke(delivered);
  context.strokeStyle = scene.colours.bad;
  context.stroke(dropped);
  context.setLineDash([3, 3]);
  context.strokeStyle = scene.colours.text;
  context.stroke(inFlight);
  context.setLineDash([]);
}
