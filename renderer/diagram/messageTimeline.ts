import type { TraceEvent } from '../../src/contract/engine';

/** Messages the space-time diagram keeps (the newest); older ones leave the ring. */
export const timelineMessagesKeptMax = 200_000;
/** Lines drawn at most per frame; beyond it the window is too wide to tell lines apart anyway. */
export const timelineLinesDrawnMax = 30_000;

/** What became of a message. */
export const MessageFate = { InFlight: 0, Delivered: 1, Dropped: 2 } as const;
export type MessageFate = (typeof MessageFate)[keyof typeof MessageFate];

/** One message as the diagram draws it (times in µs of true time). */
export interface TimelineMessage {
  readonly slot: number;
  readonly id: number;
  readonly fromLane: number;
  readonly toLane: number;
  readonly sendUs: number;
  /** Delivery or drop time; NaN while in flight. */
  readonly endUs: number;
  readonly fate: MessageFate;
  readonly kind: string;
}

/** A stretch of time a lane's replica was down (crashed) or frozen (paused); `endUs` is null while it lasts. */
export interface LaneOutage {
  readonly lane: number;
  readonly startUs: number;
  readonly endUs: number | null;
  readonly cause: 'crash' | 'pause';
}

/**
 * The messages of a run for the space-time (Lamport) diagram: a ring of the newest
 * `capacity` messages kept in typed arrays in send order (trace events arrive in time order), so
 * a time window is found by binary search and drawing costs what is visible, not what is held.
 * A `deliver` or `drop` finds its message by id; a duplicate's second delivery keeps the first.
 */
export class MessageTimeline {
  readonly lanes: readonly string[];
  private readonly laneOf: Map<string, number>;
  private readonly ids: Float64Array;
  private readonly sendUs: Float64Array;
  private readonly endUs: Float64Array;
  private readonly fromLane: Uint8Array;
  private readonly toLane: Uint8Array;
  private readonly fate: Uint8Array;
  private readonly kindIndex: Uint16Array;
  private readonly kinds: string[] = [];
  private readonly kindIndexOf = new Map<string, number>();
  /** Messages not yet delivered or dropped: id → slot. */
  private readonly inFlight = new Map<number, number>();
  private first = 0;
  private size = 0;
  /** The longest time a held message took to be delivered or dropped: how far before a window to look. */
  private flightUsMax = 0;
  private outageList: LaneOutage[] = [];
  /** Last event time seen, µs. */
  latestUs = 0;
  /** Every message ever added (also those that left the ring). */
  added = 0;

  constructor(
    lanes: readonly string[],
    readonly capacity = timelineMessagesKeptMax,
  ) {
    if (lanes.length > 255) throw new Error('the diagram draws at most 255 lanes');
    if (!(capacity >= 1)) throw new Error('a timeline holds at least one message');
    this.lanes = [...lanes];
    this.laneOf = new Map(lanes.map((lane, index) => [lane, index]));
    this.ids = new Float64Array(capacity);
    this.sendUs = new Float64Array(capacity);
    this.endUs = new Float64Array(capacity);
    this.fromLane = new Uint8Array(capacity);
    this.toLane = new Uint8Array(capacity);
    this.fate = new Uint8Array(capacity);
    this.kindIndex = new Uint16Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  get outages(): readonly LaneOutage[] {
    return this.outageList;
  }

  /** Feeds trace events in time order; returns whether anything the diagram draws changed. */
  observe(events: readonly TraceEvent[]): boolean {
    let changed = false;
    for (const event of events) {
      if (event.t > this.latestUs) this.latestUs = event.t;
      switch (event.kind) {
        case 'send':
          changed = this.onSend(event.id, event.from, event.to, event.message, event.t) || changed;
          break;
        case 'deliver':
          changed = this.onEnd(event.id, event.t, MessageFate.Delivered) || changed;
          break;
        case 'drop':
          changed = this.onEnd(event.id, event.t, MessageFate.Dropped) || changed;
          break;
        case 'node':
          changed = this.onNode(event.node, event.action, event.t) || changed;
          break;
        default:
          break;
      }
    }
    return changed;
  }

  private onSend(id: number, from: string, to: string, kind: string, atUs: number): boolean {
    const fromLane = this.laneOf.get(from);
    const toLane = this.laneOf.get(to);
    // Client traffic has no lane of its own here: the diagram shows the replicas' protocol.
    if (fromLane === undefined || toLane === undefined) return false;
    let slot: number;
    if (this.size < this.capacity) {
      slot = (this.first + this.size) % this.capacity;
      this.size++;
    } else {
      slot = this.first;
      this.first = (this.first + 1) % this.capacity;
      if (this.fate[slot] === MessageFate.InFlight) this.inFlight.delete(this.ids[slot] as number);
    }
    let index = this.kindIndexOf.get(kind);
    if (index === undefined) {
      index = this.kinds.length;
      this.kinds.push(kind);
      this.kindIndexOf.set(kind, index);
    }
    this.ids[slot] = id;
    // Sends arrive in time order; a rare equal or earlier time keeps the order sorted by clamping.
    const previous = this.size > 1 ? (this.sendUs[(slot - 1 + this.capacity) % this.capacity] as number) : -Infinity;
    this.sendUs[slot] = Math.max(atUs, previous);
    this.endUs[slot] = Number.NaN;
    this.fromLane[slot] = fromLane;
    this.toLane[slot] = toLane;
    this.fate[slot] = MessageFate.InFlight;
    this.kindIndex[slot] = index;
    this.inFlight.set(id, slot);
    this.added++;
    return true;
  }

  private onEnd(id: number, atUs: number, fate: MessageFate): boolean {
    const slot = this.inFlight.get(id);
    if (slot === undefined) return false;
    this.inFlight.delete(id);
    this.endUs[slot] = atUs;
    this.fate[slot] = fate;
    this.flightUsMax = Math.max(this.flightUsMax, atUs - (this.sendUs[slot] as number));
    return true;
  }

  private onNode(node: string, action: string, atUs: number): boolean {
    const lane = this.laneOf.get(node);
    if (lane === undefined) return false;
    const open = this.outageList.findIndex((outage) => outage.lane === lane && outage.endUs === null);
    if (action === 'crash' || action === 'worker-died' || action === 'pause') {
      if (open >= 0) return false;
      this.outageList = [...this.outageList, { lane, startUs: atUs, endUs: null, cause: action === 'pause' ? 'pause' : 'crash' }];
      return true;
    }
    if ((action === 'restart' || action === 'resume') && open >= 0) {
      this.outageList = this.outageList.map((outage, index) => (index === open ? { ...outage, endUs: atUs } : outage));
      return true;
    }
    return false;
  }

  /** The logical position (0 = oldest held) of the first message sent at or after `atUs`. */
  lowerBound(atUs: number): number {
    return this.search(atUs, false);
  }

  /** The logical position of the first message sent after `atUs`. */
  upperBound(atUs: number): number {
    return this.search(atUs, true);
  }

  private search(atUs: number, inclusive: boolean): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const sendUs = this.sendUs[(this.first + middle) % this.capacity] as number;
      if (sendUs < atUs || (inclusive && sendUs === atUs)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * Calls `visit` for each held message whose line crosses [startUs, endUs]: sent in it, or sent
   * before and still in flight (or delivered) after its start. Returns how many were visited,
   * at most `limit` (the rest of a too-wide window is skipped).
   */
  forEachInWindow(startUs: number, endUs: number, visit: (message: TimelineMessage) => void, limit = timelineLinesDrawnMax): number {
    return this.visitWindow(startUs, endUs, (slot) => visit(this.messageAt(slot)), limit);
  }

  /**
   * The same messages as `forEachInWindow`, handed over as plain numbers (no object per message):
   * what drawing thousands of lines several times a second needs. `endUs` is NaN while in flight.
   */
  forEachLineInWindow(startUs: number, endUs: number, visit: (line: { sendUs: number; endUs: number; fromLane: number; toLane: number; fate: MessageFate }) => void, limit = timelineLinesDrawnMax): number {
    // One object, refilled for each message: the visitor reads it and keeps nothing.
    const line = { sendUs: 0, endUs: 0, fromLane: 0, toLane: 0, fate: MessageFate.InFlight as MessageFate };
    return this.visitWindow(
      startUs,
      endUs,
      (slot) => {
        line.sendUs = this.sendUs[slot] as number;
        line.endUs = this.endUs[slot] as number;
        line.fromLane = this.fromLane[slot] as number;
        line.toLane = this.toLane[slot] as number;
        line.fate = this.fate[slot] as MessageFate;
        visit(line);
      },
      limit,
    );
  }

  private visitWindow(startUs: number, endUs: number, visitSlot: (slot: number) => void, limit: number): number {
    let visited = 0;
    const lookBackUs = startUs - this.flightUsMax;
    // Messages still in flight from before the look-back (held by a paused replica, say) cross every later window.
    for (const slot of this.inFlight.values()) {
      if (visited >= limit) return visited;
      if ((this.sendUs[slot] as number) < lookBackUs) {
        visitSlot(slot);
        visited++;
      }
    }
    const from = this.lowerBound(lookBackUs);
    const to = this.upperBound(endUs);
    // Too many: take every n-th, so the picture keeps its shape rather than a gap at the end.
    const stride = Math.max(1, Math.ceil((to - from) / limit));
    for (let position = from; position < to && visited < limit; position += stride) {
      const slot = (this.first + position) % this.capacity;
      const sendUs = this.sendUs[slot] as number;
      const fate = this.fate[slot] as MessageFate;
      const end = this.endUs[slot] as number;
      if (sendUs < startUs && fate !== MessageFate.InFlight && end < startUs) continue;
      visitSlot(slot);
      visited++;
    }
    return visited;
  }

  private messageAt(slot: number): TimelineMessage {
    return {
      slot,
      id: this.ids[slot] as number,
      fromLane: this.fromLane[slot] as number,
      toLane: this.toLane[slot] as number,
      sendUs: this.sendUs[slot] as number,
      endUs: this.endUs[slot] as number,
      fate: this.fate[slot] as MessageFate,
      kind: this.kinds[this.kindIndex[slot] as number] as string,
    };
  }

  /** The oldest held send time, or null when empty. */
  get earliestUs(): number | null {
    return this.size === 0 ? null : (this.sendUs[this.first] as number);
  }
}

/** The visible time window and the canvas it maps to. */
export interface TimelineViewport {
  readonly startUs: number;
  readonly endUs: number;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly laneCount: number;
  /** Left margin for lane labels. */
  readonly marginLeftPx: number;
}

export const laneY = (viewport: TimelineViewport, lane: number): number => {
  const laneHeight = viewport.heightPx / Math.max(1, viewport.laneCount);
  return laneHeight * (lane + 0.5);
};

export const timeX = (viewport: TimelineViewport, atUs: number): number =>
  viewport.marginLeftPx + ((atUs - viewport.startUs) / Math.max(1, viewport.endUs - viewport.startUs)) * (viewport.widthPx - viewport.marginLeftPx);

/** The time under a pixel column. */
export const xTime = (viewport: TimelineViewport, x: number): number =>
  viewport.startUs + ((x - viewport.marginLeftPx) / Math.max(1, viewport.widthPx - viewport.marginLeftPx)) * (viewport.endUs - viewport.startUs);

/** Where a message's line ends: its delivery or drop, or (in flight) the window's end. */
export const lineEndUs = (message: Pick<TimelineMessage, 'sendUs' | 'endUs'>, viewport: TimelineViewport): number => (Number.isNaN(message.endUs) ? Math.max(message.sendUs, viewport.endUs) : message.endUs);

/** Distance from a point to a segment, px. */
function distanceToSegment(x: number, y: number, x1: number, y1: number, x2: number, y2: number): number {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const lengthSquared = dx * dx + dy * dy;
  const along = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / lengthSquared));
  return Math.hypot(x - (x1 + along * dx), y - (y1 + along * dy));
}

/** The message whose line passes nearest the pointer, within `tolerancePx`; null when none. */
export function messageNear(timeline: MessageTimeline, viewport: TimelineViewport, x: number, y: number, tolerancePx = 5): TimelineMessage | null {
  let best: TimelineMessage | null = null;
  let bestDistance = tolerancePx;
  timeline.forEachInWindow(viewport.startUs, viewport.endUs, (message) => {
    const distance = distanceToSegment(x, y, timeX(viewport, message.sendUs), laneY(viewport, message.fromLane), timeX(viewport, lineEndUs(message, viewport)), laneY(viewport, message.toLane));
    if (distance <= bestDistance) {
      bestDistance = distance;
      best = message;
    }
  });
  return best;
}

/** The window after zooming by `factor` (< 1 zooms in) around the time `atUs`, never narrower than `spanUsMin`. */
export function zoomWindow(window: { startUs: number; endUs: number }, factor: number, atUs: number, spanUsMin = 50): { startUs: number; endUs: number } {
  const span = Math.max(spanUsMin, (window.endUs - window.startUs) * factor);
  const share = (atUs - window.startUs) / Math.max(1, window.endUs - window.startUs);
  const startUs = atUs - share * span;
  return { startUs, endUs: startUs + span };
}
