import type { TraceEvent } from '../../src/contract/engine';

/**
 * Messages animated on the cluster graph, in slow motion. A real flight lasts a few ms of lab time,
 * far too quick to see, so each dot's flight is stretched by one slow-motion factor (chosen so the
 * typical flight lasts `flightMsTarget` on screen). Dots start when their messages were sent,
 * replayed at the lab's own pace, one trace batch late: a message is shown once its fate (delivered
 * or dropped) is known, so a dropped one can be drawn dying on the way. More messages arrive than
 * can be drawn legibly, so only a fair sample flies (the same share of every link and kind), never
 * more than `flightsShownMax` at once (`flightsShownPerLinkMax` on one link), and the counts of shown and offered messages are kept so the
 * screen can say it is a sample. Pure: the animation clock is handed in, never read.
 */

/** Dots on screen at most at any instant (launched, or waiting to launch within this batch). */
export const flightsShownMax = 150;
/** Dots on one directed link at most: more make a solid train in which no dot can be followed. */
export const flightsShownPerLinkMax = 8;
/** The typical flight's length on screen, ms: the slow-motion factor makes the median flight last this. */
export const flightMsTarget = 800;
/** Bounds of one flight on screen, ms: quicker is a blur, slower holds the eye too long. */
export const flightMsMin = 300;
export const flightMsMax = 1500;
/** How long a dropped message's cross stays, fading, after it died, ms. */
export const dropFadeMs = 600;
/** Sends whose fate is not yet known, kept at most (a ring: the oldest are forgotten, and then never shown nor counted). */
export const pendingSendsKeptMax = 65_536;
/** Recent flight times the slow-motion factor is the median of. */
export const flightTimeSamplesKeptMax = 255;
/** The window over which the shown and offered rates are counted, ms of animation time. */
export const flightRateWindowMs = 2000;
/** A batch's sends are replayed over the time since the previous batch, at most this long, ms. */
export const batchSpreadMsMax = 250;
/** The spread of the very first batch, ms: about the lab's batch interval. */
export const batchSpreadMsFirst = 100;
/** Where along the link a message dropped as it was sent dies (0 sender, 1 receiver). */
export const dieAtFractionOnSend = 0.5;
/** Where a message dropped on arrival (receiver down, link cut while it flew) dies. */
export const dieAtFractionOnArrival = 0.9;

/** One dot: a sampled message between two replicas (indices into the graph's nodes). */
export interface Flight {
  readonly fromIndex: number;
  readonly toIndex: number;
  /** Index into `MessageFlights.kinds`. */
  readonly kindIndex: number;
  /** Animation time at which the dot leaves the sender, ms. */
  readonly launchMs: number;
  /** Time the dot takes to reach the receiver (or the place it dies), ms. */
  readonly durationMs: number;
  readonly dropped: boolean;
  /** How far along the link it gets: 1 when delivered, less when dropped. */
  readonly reachFraction: number;
}

/** Shown and offered messages per second over the recent window (animation time). */
export interface FlightRates {
  /** Messages of shown kinds whose fate arrived, per second. */
  readonly offeredPerSecond: number;
  /** Of those, drawn as dots, per second. */
  readonly shownPerSecond: number;
  /** Messages of hidden kinds, per second (never drawn). */
  readonly hiddenPerSecond: number;
  /** The time the rates were counted over, ms: shorter than `flightRateWindowMs` just after counting began. */
  readonly windowMs: number;
  /** The lab left out trace events in the window (a busy interval): the rates are lower bounds. */
  readonly partial: boolean;
}

/** Messages per second on one directed link over the recent window (for the static view). */
export interface LinkRate {
  readonly fromIndex: number;
  readonly toIndex: number;
  readonly perSecond: number;
}

/** One batch's counts, kept for the rate window. */
interface BatchCounts {
  readonly atMs: number;
  readonly offered: number;
  readonly shown: number;
  readonly hidden: number;
  /** Messages per directed link (fromIndex * nodeCount + toIndex), all kinds. */
  readonly perLink: Uint32Array;
  /** The lab left out some of this interval's trace events. */
  readonly skipped: boolean;
}

const replySuffixes = ['Reply', 'Response', 'Ok'] as const;

/** Whether a message kind answers another (RequestVoteReply, PrepareOk, RecoveryResponse). */
export function isReplyKind(kind: string): boolean {
  return replySuffixes.some((suffix) => kind.length > suffix.length && kind.endsWith(suffix));
}

/** The request a kind belongs to: a reply's family is its request's (PrepareOk → Prepare), so both share a colour. */
export function kindFamilyOf(kind: string): string {
  const suffix = replySuffixes.find((candidate) => kind.length > candidate.length && kind.endsWith(candidate));
  return suffix === undefined ? kind : kind.slice(0, -suffix.length);
}

/** The median of the first `count` values (copied, the array is left alone). */
function medianOf(values: Float64Array, count: number): number {
  const sorted = values.slice(0, count).sort();
  const middle = count >> 1;
  return count % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * How many of each stratum to take so the total is at most `budget` and every stratum gets the
 * same share (water-filling: small strata are taken whole, the rest get an equal quota); the
 * quota's remainder goes one each to strata from `rotation` on, so no stratum is always last.
 */
export function fairQuotas(sizes: readonly number[], budget: number, rotation = 0): number[] {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total <= budget) return [...sizes];
  const quotas = sizes.map(() => 0);
  if (budget <= 0 || sizes.length === 0) return quotas;
  const order = sizes.map((_, index) => index).sort((a, b) => (sizes[a] as number) - (sizes[b] as number));
  let left = budget;
  let position = 0;
  // Strata smaller than an equal share are taken whole.
  while (position < order.length) {
    const index = order[position] as number;
    const share = Math.floor(left / (order.length - position));
    if ((sizes[index] as number) > share) break;
    quotas[index] = sizes[index] as number;
    left -= sizes[index] as number;
    position++;
  }
  const rest = order.slice(position).sort((a, b) => a - b);
  const share = Math.floor(left / Math.max(1, rest.length));
  for (const index of rest) quotas[index] = share;
  left -= share * rest.length;
  for (let step = 0; left > 0 && step < rest.length; step++) {
    const index = rest[(rotation + step) % rest.length] as number;
    quotas[index] = (quotas[index] as number) + 1;
    left--;
  }
  return quotas;
}

/** `count` positions spread evenly over 0..size-1 (the middle of each of `count` equal parts). */
export function evenlySpaced(size: number, count: number): number[] {
  const positions: number[] = [];
  for (let part = 0; part < count; part++) positions.push(Math.floor(((part + 0.5) * size) / count));
  return positions;
}

/**
 * The animation's clock: it runs with the wall clock while the run plays (and while the last
 * dots drain after it ended), stands still while the run is paused, and skips gaps longer than
 * `stepMsMax` (a hidden tab), so dots neither jump nor pile up. Time while dots were flying is
 * never skipped: they are drawn elsewhere (a worker), which reads no clock of the page's, so a
 * gap between two readings can be one in which dots were seen moving.
 */
export class AnimationClock {
  nowMs = 0;
  private lastWallMs: number | null = null;

  constructor(readonly stepMsMax = batchSpreadMsMax) {}

  /**
   * Moves the clock to the wall time `wallMs` (ms, monotonic); while not `running` only the wall
   * time is noted. Up to `flyingUntilMs` (animation time, ms: when the last dot leaves) the wall
   * time passes in full; of the quiet gap after it, at most `stepMsMax`.
   */
  advance(wallMs: number, running: boolean, flyingUntilMs = Number.NEGATIVE_INFINITY): number {
    if (running && this.lastWallMs !== null) {
      const elapsedMs = Math.max(0, wallMs - this.lastWallMs);
      const flyingMs = Math.min(elapsedMs, Math.max(0, flyingUntilMs - this.nowMs));
      this.nowMs += flyingMs + Math.min(this.stepMsMax, elapsedMs - flyingMs);
    }
    this.lastWallMs = wallMs;
    return this.nowMs;
  }
}

/** Messages of one run for the cluster graph's dots: pending sends, the sampled flights, and the rates. */
export class MessageFlights {
  readonly nodes: readonly string[];
  /** Message kinds seen so far, in the order they first flew (a flight's `kindIndex` points here). */
  readonly kinds: string[] = [];
  private readonly nodeIndexOf: Map<string, number>;
  private readonly kindIndexOf = new Map<string, number>();
  private readonly hiddenKinds = new Set<number>();
  // Sends waiting for their fate: a ring of slots, and id → slot.
  private readonly pendingSlotOf = new Map<number, number>();
  private readonly pendingIds: Float64Array;
  private readonly pendingSendUs: Float64Array;
  private readonly pendingFrom: Uint8Array;
  private readonly pendingTo: Uint8Array;
  private readonly pendingKind: Uint16Array;
  private pendingNext = 0;
  private readonly flightTimesUs = new Float64Array(flightTimeSamplesKeptMax);
  private flightTimeCount = 0;
  private flightTimeNext = 0;
  /** ms on screen per ms of lab time; null until a delivery was seen. */
  private slowMotion: number | null = null;
  private flightList: Flight[] = [];
  private readonly batches: BatchCounts[] = [];
  private lastBatchAtMs: number | null = null;
  private rotation = 0;

  constructor(
    nodes: readonly string[],
    /**
     * Animation time at which counting began, ms: the rates' window never reaches before it, and a
     * batch that arrived at it (what it holds was sent over a time before it) is drawn, not counted.
     */
    readonly startedAtMs = 0,
    readonly shownMax = flightsShownMax,
  ) {
    if (nodes.length > 255) throw new Error('the cluster graph draws at most 255 replicas');
    if (!(shownMax >= 1)) throw new Error('at least one message must be allowed on screen');
    this.nodes = [...nodes];
    this.nodeIndexOf = new Map(nodes.map((node, index) => [node, index]));
    this.pendingIds = new Float64Array(pendingSendsKeptMax).fill(Number.NaN);
    this.pendingSendUs = new Float64Array(pendingSendsKeptMax);
    this.pendingFrom = new Uint8Array(pendingSendsKeptMax);
    this.pendingTo = new Uint8Array(pendingSendsKeptMax);
    this.pendingKind = new Uint16Array(pendingSendsKeptMax);
  }

  /** The stretch: ms of animation per ms of lab time (null before the first delivery). */
  get slowMotionFactor(): number | null {
    return this.slowMotion;
  }

  /** The dots launched or waiting to launch (read-only view; at most `shownMax`). */
  get flights(): readonly Flight[] {
    return this.flightList;
  }

  isHidden(kind: string): boolean {
    const index = this.kindIndexOf.get(kind);
    return index !== undefined && this.hiddenKinds.has(index);
  }

  /** Hides or shows a kind: hidden kinds are neither drawn nor sampled (their dots in flight go at once). */
  setHidden(kind: string, hidden: boolean): void {
    const index = this.kindIndex(kind);
    if (hidden) {
      this.hiddenKinds.add(index);
      this.flightList = this.flightList.filter((flight) => flight.kindIndex !== index);
    } else this.hiddenKinds.delete(index);
  }

  /**
   * Takes one trace batch (events in time order) that reached the screen at animation time
   * `atMs`: sends wait for their fate; each delivered or dropped message is counted and offered to
   * the sample; the chosen ones become flights replayed over the time since the previous batch.
   */
  observe(events: readonly TraceEvent[], atMs: number, skipped = 0): void {
    const spreadMs = this.lastBatchAtMs === null ? batchSpreadMsFirst : Math.min(batchSpreadMsMax, Math.max(0, atMs - this.lastBatchAtMs));
    this.lastBatchAtMs = atMs;
    this.prune(atMs);
    const batch = new OfferedBatch(this.nodes.length);
    for (const event of events) {
      if (event.kind === 'send') this.onSend(event.id, event.from, event.to, event.message, event.t);
      else if (event.kind === 'deliver' || event.kind === 'drop') this.onEnd(event.id, event.t, event.kind === 'drop', batch);
    }
    this.updateSlowMotion();
    const budget = Math.min(this.shownMax - this.flightList.length, Math.ceil((this.shownMax * Math.max(spreadMs, 1)) / flightMsTarget));
    const startUs = events[0]?.t ?? 0;
    const endUs = events.at(-1)?.t ?? startUs;
    const shown = this.launchSample(batch, budget, { atMs, spreadMs, startUs, endUs });
    this.batches.push({ atMs, offered: batch.offered, shown, hidden: batch.hidden, perLink: batch.perLink, skipped: skipped > 0 });
    this.forgetOldBatches(atMs);
  }

  private onSend(id: number, from: string, to: string, kind: string, atUs: number): void {
    const fromIndex = this.nodeIndexOf.get(from);
    const toIndex = this.nodeIndexOf.get(to);
    // Client traffic has no node of its own on the graph.
    if (fromIndex === undefined || toIndex === undefined) return;
    const slot = this.pendingNext;
    this.pendingNext = (slot + 1) % pendingSendsKeptMax;
    const evicted = this.pendingIds[slot] as number;
    if (!Number.isNaN(evicted) && this.pendingSlotOf.get(evicted) === slot) this.pendingSlotOf.delete(evicted);
    this.pendingIds[slot] = id;
    this.pendingSendUs[slot] = atUs;
    this.pendingFrom[slot] = fromIndex;
    this.pendingTo[slot] = toIndex;
    this.pendingKind[slot] = this.kindIndex(kind);
    this.pendingSlotOf.set(id, slot);
  }

  /** A delivery or drop: its send leaves the pending ring (a duplicate's second copy finds nothing and is not counted twice). */
  private onEnd(id: number, atUs: number, dropped: boolean, batch: OfferedBatch): void {
    const slot = this.pendingSlotOf.get(id);
    if (slot === undefined) return;
    this.pendingSlotOf.delete(id);
    this.pendingIds[slot] = Number.NaN;
    const sendUs = this.pendingSendUs[slot] as number;
    const kindIndex = this.pendingKind[slot] as number;
    const fromIndex = this.pendingFrom[slot] as number;
    const toIndex = this.pendingTo[slot] as number;
    if (!dropped) this.noteFlightTime(atUs - sendUs);
    const link = fromIndex * this.nodes.length + toIndex;
    batch.perLink[link] = (batch.perLink[link] as number) + 1;
    if (this.hiddenKinds.has(kindIndex)) {
      batch.hidden++;
      return;
    }
    batch.offer({ fromIndex, toIndex, kindIndex, sendUs, endUs: atUs, dropped }, (fromIndex * this.nodes.length + toIndex) * 65_536 + kindIndex);
  }

  private noteFlightTime(flightUs: number): void {
    this.flightTimesUs[this.flightTimeNext] = Math.max(0, flightUs);
    this.flightTimeNext = (this.flightTimeNext + 1) % flightTimeSamplesKeptMax;
    this.flightTimeCount = Math.min(this.flightTimeCount + 1, flightTimeSamplesKeptMax);
  }

  private updateSlowMotion(): void {
    if (this.flightTimeCount === 0) return;
    const medianMs = medianOf(this.flightTimesUs, this.flightTimeCount) / 1000;
    // A network without latency has no flight to stretch: every dot then takes the target time.
    this.slowMotion = medianMs > 0 ? flightMsTarget / medianMs : null;
  }

  /** The screen time of a flight that took `flightUs` of lab time. */
  private screenMs(flightUs: number): number {
    if (this.slowMotion === null) return flightMsTarget;
    return Math.min(flightMsMax, Math.max(flightMsMin, (flightUs / 1000) * this.slowMotion));
  }

  private launchSample(batch: OfferedBatch, budget: number, timing: { atMs: number; spreadMs: number; startUs: number; endUs: number }): number {
    const nodeCount = this.nodes.length;
    const strata = [...batch.strata.values()];
    const linkOf = (stratum: readonly OfferedMessage[]) => (stratum[0] as OfferedMessage).fromIndex * nodeCount + (stratum[0] as OfferedMessage).toIndex;
    const quotas = fairQuotas(
      strata.map((stratum) => stratum.length),
      budget,
      this.rotation,
    );
    // A link's kinds share what room it has left, fairly as well.
    const room = new Map<number, number>();
    for (const flight of this.flightList) {
      const link = flight.fromIndex * nodeCount + flight.toIndex;
      room.set(link, (room.get(link) ?? flightsShownPerLinkMax) - 1);
    }
    const strataOfLink = new Map<number, number[]>();
    strata.forEach((stratum, index) => {
      const link = linkOf(stratum);
      const list = strataOfLink.get(link);
      if (list === undefined) strataOfLink.set(link, [index]);
      else list.push(index);
    });
    for (const [link, indices] of strataOfLink) {
      const capped = fairQuotas(
        indices.map((index) => quotas[index] as number),
        Math.max(0, room.get(link) ?? flightsShownPerLinkMax),
        this.rotation,
      );
      indices.forEach((index, position) => (quotas[index] = capped[position] as number));
    }
    this.rotation++;
    let shown = 0;
    strata.forEach((stratum, index) => {
      for (const position of evenlySpaced(stratum.length, quotas[index] as number)) {
        this.flightList.push(this.flightOf(stratum[position] as OfferedMessage, timing));
        shown++;
      }
    });
    return shown;
  }

  /** The dot of a sampled message: launched at its send's place in the batch, stretched by the slow-motion factor. */
  private flightOf(message: OfferedMessage, timing: { atMs: number; spreadMs: number; startUs: number; endUs: number }): Flight {
    const spanUs = timing.endUs - timing.startUs;
    const share = spanUs > 0 ? Math.min(1, Math.max(0, (message.sendUs - timing.startUs) / spanUs)) : 0;
    const flightUs = message.endUs - message.sendUs;
    const droppedOnSend = message.dropped && flightUs <= 0;
    return {
      fromIndex: message.fromIndex,
      toIndex: message.toIndex,
      kindIndex: message.kindIndex,
      launchMs: timing.atMs + share * timing.spreadMs,
      durationMs: droppedOnSend ? this.screenMs(this.typicalFlightUs()) * dieAtFractionOnSend : this.screenMs(flightUs) * (message.dropped ? dieAtFractionOnArrival : 1),
      dropped: message.dropped,
      reachFraction: !message.dropped ? 1 : droppedOnSend ? dieAtFractionOnSend : dieAtFractionOnArrival,
    };
  }

  /** The median flight in lab µs (what the target screen time stands for), 0 when none is known. */
  private typicalFlightUs(): number {
    return this.slowMotion === null ? 0 : (flightMsTarget / this.slowMotion) * 1000;
  }

  private forgetOldBatches(atMs: number): void {
    let stale = 0;
    while (stale < this.batches.length && (this.batches[stale] as BatchCounts).atMs <= atMs - flightRateWindowMs) stale++;
    if (stale > 0) this.batches.splice(0, stale);
  }

  /** Flights whose dot (or cross) is gone by `atMs` leave. */
  prune(atMs: number): void {
    if (this.flightList.every((flight) => flightLifeEndMs(flight) > atMs)) return;
    this.flightList = this.flightList.filter((flight) => flightLifeEndMs(flight) > atMs);
  }

  /** Whether nothing is left to draw at `atMs` or later (the animation may stop). */
  isIdle(atMs: number): boolean {
    return this.flightList.every((flight) => flightLifeEndMs(flight) <= atMs);
  }

  /** When the last dot (or cross) leaves the screen, ms of animation time; -Infinity when none flies. */
  get flyingUntilMs(): number {
    let until = Number.NEGATIVE_INFINITY;
    for (const flight of this.flightList) until = Math.max(until, flightLifeEndMs(flight));
    return until;
  }

  /** See `forEachFlightAt`. */
  forEachAt(atMs: number, visit: (flight: Flight, fraction: number, fade: number | null) => void): void {
    forEachFlightAt(this.flightList, atMs, visit);
  }

  /** Where the rates' window starts at `atMs`: `flightRateWindowMs` before it, or when counting began. */
  private windowStartMs(atMs: number): number {
    return Math.max(atMs - flightRateWindowMs, this.startedAtMs);
  }

  /** The batches that arrived in the window (its start excluded, `atMs` included). */
  private recentBatches(atMs: number): BatchCounts[] {
    const startMs = this.windowStartMs(atMs);
    return this.batches.filter((batch) => batch.atMs > startMs && batch.atMs <= atMs);
  }

  /** Messages per second offered, shown and hidden over the window ending at `atMs` (all 0 for an empty window). */
  rates(atMs: number): FlightRates {
    let offered = 0;
    let shown = 0;
    let hidden = 0;
    let partial = false;
    for (const batch of this.recentBatches(atMs)) {
      offered += batch.offered;
      shown += batch.shown;
      hidden += batch.hidden;
      partial ||= batch.skipped;
    }
    const windowMs = Math.max(0, atMs - this.windowStartMs(atMs));
    const perSecond = (count: number) => (windowMs === 0 ? 0 : count / (windowMs / 1000));
    return { offeredPerSecond: perSecond(offered), shownPerSecond: perSecond(shown), hiddenPerSecond: perSecond(hidden), windowMs, partial };
  }

  /** Messages per second on each directed link that carried any (all kinds, hidden or not), for the static view. */
  linkRates(atMs: number): LinkRate[] {
    const count = this.nodes.length;
    const windowMs = atMs - this.windowStartMs(atMs);
    if (windowMs <= 0) return [];
    const totals = new Float64Array(count * count);
    for (const batch of this.recentBatches(atMs)) for (let link = 0; link < totals.length; link++) totals[link] = (totals[link] as number) + (batch.perLink[link] as number);
    const rates: LinkRate[] = [];
    totals.forEach((total, link) => {
      if (total > 0) rates.push({ fromIndex: Math.floor(link / count), toIndex: link % count, perSecond: total / (windowMs / 1000) });
    });
    return rates;
  }

  private kindIndex(kind: string): number {
    let index = this.kindIndexOf.get(kind);
    if (index === undefined) {
      index = this.kinds.length;
      this.kinds.push(kind);
      this.kindIndexOf.set(kind, index);
    }
    return index;
  }
}

/** When a flight's last trace (the dot, or a dropped message's fading cross) leaves the screen. */
export function flightLifeEndMs(flight: Flight): number {
  return flight.launchMs + flight.durationMs + (flight.dropped ? dropFadeMs : 0);
}

/**
 * Calls `visit` for each dot on screen at `atMs`: `fraction` is how far along its link (0 at
 * the sender), and `fade` is null while it flies, or (a dropped message after it died) the
 * cross's opacity from 1 down to 0.
 */
export function forEachFlightAt(flights: readonly Flight[], atMs: number, visit: (flight: Flight, fraction: number, fade: number | null) => void): void {
  for (const flight of flights) {
    const elapsedMs = atMs - flight.launchMs;
    if (elapsedMs < 0) continue;
    if (elapsedMs < flight.durationMs) visit(flight, flight.reachFraction * (elapsedMs / flight.durationMs), null);
    else if (flight.dropped && elapsedMs < flight.durationMs + dropFadeMs) visit(flight, flight.reachFraction, 1 - (elapsedMs - flight.durationMs) / dropFadeMs);
  }
}

/** A message whose fate arrived in this batch, offered to the sample. */
interface OfferedMessage {
  readonly fromIndex: number;
  readonly toIndex: number;
  readonly kindIndex: number;
  readonly sendUs: number;
  readonly endUs: number;
  readonly dropped: boolean;
}

/** One batch's offered messages grouped by stratum (link and kind), and its counts. */
class OfferedBatch {
  readonly strata = new Map<number, OfferedMessage[]>();
  readonly perLink: Uint32Array;
  offered = 0;
  hidden = 0;

  constructor(nodeCount: number) {
    this.perLink = new Uint32Array(nodeCount * nodeCount);
  }

  offer(message: OfferedMessage, stratum: number): void {
    this.offered++;
    let list = this.strata.get(stratum);
    if (list === undefined) this.strata.set(stratum, (list = []));
    list.push(message);
  }
}
