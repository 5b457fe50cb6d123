/**
 * Where the cluster graph puts its replicas and the two directions of each link. Pure geometry,
 * shared by the link layer (SVG) and the message dots (canvas) so a dot runs exactly on its line.
 */

/** A point in the graph's pixel space. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** One direction of a link as drawn: from the sender's box edge to the receiver's. */
export interface Segment {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** The size of the drawing and of a replica's box (its buttons sit on top). */
export interface GraphGeometry {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly boxWidthPx: number;
  readonly boxHeightPx: number;
}

/** How far each direction of a link sits from the line between the two centres, px. */
export const directionOffsetPx = 5;
/** Room left between a line's end and the box it points at, px (the arrowhead lives there). */
export const boxGapPx = 3;

/** The replicas on an ellipse, the first at the top, clockwise; the ellipse keeps the boxes inside the drawing. */
export function nodePositions(count: number, geometry: GraphGeometry): Point[] {
  const radiusX = Math.max(0, geometry.widthPx / 2 - geometry.boxWidthPx / 2 - 2);
  const radiusY = Math.max(0, geometry.heightPx / 2 - geometry.boxHeightPx / 2 - 2);
  const positions: Point[] = [];
  for (let index = 0; index < count; index++) {
    const angle = -Math.PI / 2 + (2 * Math.PI * index) / Math.max(count, 1);
    positions.push({ x: geometry.widthPx / 2 + radiusX * Math.cos(angle), y: geometry.heightPx / 2 + radiusY * Math.sin(angle) });
  }
  return positions;
}

/** Distance from a box's centre to its edge along the unit direction (dx, dy). */
function distanceToBoxEdge(dx: number, dy: number, halfWidth: number, halfHeight: number): number {
  const alongX = Math.abs(dx) < 1e-9 ? Number.POSITIVE_INFINITY : halfWidth / Math.abs(dx);
  const alongY = Math.abs(dy) < 1e-9 ? Number.POSITIVE_INFINITY : halfHeight / Math.abs(dy);
  return Math.min(alongX, alongY);
}

/**
 * The line of messages `from` → `to`: shifted to the right of its direction of travel (so the
 * two directions of a link are two parallel lines and a one-way fault shows on one of them), and
 * trimmed to run between the two boxes. When the boxes touch, the line shrinks to a point between them.
 */
export function directedSegment(from: Point, to: Point, geometry: Pick<GraphGeometry, 'boxWidthPx' | 'boxHeightPx'>, offsetPx = directionOffsetPx): Segment {
  const length = Math.hypot(to.x - from.x, to.y - from.y);
  if (length === 0) return { x1: from.x, y1: from.y, x2: to.x, y2: to.y };
  const dx = (to.x - from.x) / length;
  const dy = (to.y - from.y) / length;
  // The right-hand normal of (dx, dy) in screen coordinates (y grows downwards).
  const shiftX = -dy * offsetPx;
  const shiftY = dx * offsetPx;
  const trim = Math.min(distanceToBoxEdge(dx, dy, geometry.boxWidthPx / 2, geometry.boxHeightPx / 2) + boxGapPx, length / 2);
  return { x1: from.x + shiftX + dx * trim, y1: from.y + shiftY + dy * trim, x2: to.x + shiftX - dx * trim, y2: to.y + shiftY - dy * trim };
}

/** The point `fraction` (0 = sender's end, 1 = receiver's) along a segment. */
export function pointAlong(segment: Segment, fraction: number): Point {
  return { x: segment.x1 + (segment.x2 - segment.x1) * fraction, y: segment.y1 + (segment.y2 - segment.y1) * fraction };
}
