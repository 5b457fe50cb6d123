import { assert, assertNever } from '../../src/base/assert';
import type { NodeId } from '../../src/base/ids';
import type { Prng } from '../../src/base/prng';
import type { TraceEvent } from '../../src/history/trace';
import { sendLine } from '../../src/history/messageFields';
import type { ClientReply, ClientRequest } from '../../src/kv/command';
import { type LatencySpec, sampleLatencyUs } from '../../src/network/latency';
import { type LinkFaults, NetworkModel } from '../../src/network/network';
import { type InputBatch, type ProtocolRecord, clientSender } from '../../src/contract/worker';
import type { LabClock } from './labClock';
import { EventQueue } from '../../src/sim/queue';

/** Where the bus hands a node's inputs: its worker (one postMessage per call). */
export interface BusEndpoint {
  post(batch: InputBatch): void;
}

/** Counters of what the bus carried (the summary's `messages`). */
export interface BusStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export interface BusOptions {
  readonly ids: readonly NodeId[];
  readonly clock: LabClock;
  readonly faults: LinkFaults;
  readonly networkPrng: Prng;
  /** Client ↔ replica links (not cut by replica partitions, as in the simulator). */
  readonly clientLatencyMs: LatencySpec;
  readonly clientPrng: Prng;
  readonly messageKind: (message: unknown) => string;
  /** Whether a message is a heartbeat, which the trace marks (ProtocolDefinition.isHeartbeat). */
  readonly isHeartbeat: (message: unknown) => boolean;
  readonly onReply: (reply: ClientReply) => void;
  readonly trace?: (event: TraceEvent) => void;
}

type BusEvent =
  | { readonly kind: 'deliver'; readonly timeUs: number; readonly from: number; readonly to: number; readonly message: ProtocolRecord; readonly id: number }
  | { readonly kind: 'request'; readonly to: number; readonly request: ClientRequest }
  | { readonly kind: 'reply'; readonly reply: ClientReply }
  | { readonly kind: 'call'; readonly action: () => void };

/**
 * Below this wait (wall ms) the bus runs on the next turn of the event loop instead of a timer,
 * and a round carries out what is due within this much wall time too. Node's timers fire in
 * whole ms, typically late; waiting the last fraction out with setImmediate instead spun the
 * event loop (about 140k empty rounds a second at 1k ops/s), taking a core from the workers. So
 * events run up to this much early rather than a ms late: the same resolution, no spinning. The
 * lab clock is moved to each event's instant before it runs (`LabClock.reach`), so what the event
 * does never reads a time before it was due.
 */
const immediateWallMsMax = 0.5;

/**
 * The live runtime's bus (ARCHITECTURE §3): every replica-to-replica message and every client request
 * and reply crosses it. It applies the simulator's network model (`NetworkModel`: latency,
 * drop, duplicate, reorder, partitions) with the delays turned into lab-time events, driven by
 * one wall-clock timer armed for the earliest event. Deliveries due in one round leave as one
 * postMessage per worker. A paused node's inputs wait in its inbox; a down node's are dropped.
 * While the whole run is paused the lab clock stands still, so nothing becomes due: messages hold.
 */
export class Bus {
  readonly network: NetworkModel;
  readonly stats: BusStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly ids: readonly NodeId[];
  private readonly clock: LabClock;
  private readonly queue = new EventQueue<BusEvent>();
  private readonly endpoints: Array<BusEndpoint | null>;
  private readonly paused: boolean[];
  /** What waits for a paused node, per node index. */
  private readonly inbox: InputBatch[];
  /** What the current round hands each node, per node index. */
  private readonly outgoing: InputBatch[];
  private messageIdNext = 0;
  private timer: { readonly kind: 'timeout'; readonly handle: NodeJS.Timeout } | { readonly kind: 'immediate'; readonly handle: NodeJS.Immediate } | null = null;
  private armedAtUs = Infinity;
  private stopped = false;

  constructor(private readonly options: BusOptions) {
    this.ids = options.ids;
    this.clock = options.clock;
    this.network = new NetworkModel(options.ids, options.faults, options.networkPrng);
    this.endpoints = options.ids.map(() => null);
    this.paused = options.ids.map(() => false);
    this.inbox = options.ids.map(emptyBatch);
    this.outgoing = options.ids.map(emptyBatch);
  }

  // ---- Nodes ---------------------------------------------------------------------------------------------

  /** A node's worker is up (started or restarted). */
  attach(id: NodeId, endpoint: BusEndpoint): void {
    const index = this.network.index(id);
    this.endpoints[index] = endpoint;
    this.paused[index] = false;
  }

  /** A node is down: what reaches it from now on is lost, and so is what waited in its inbox. */
  detach(id: NodeId): void {
    const index = this.network.index(id);
    this.endpoints[index] = null;
    this.paused[index] = false;
    this.inbox[index] = emptyBatch();
    this.outgoing[index] = emptyBatch();
  }

  isAttached(id: NodeId): boolean {
    return this.endpoints[this.network.index(id)] !== null;
  }

  pause(id: NodeId): void {
    this.paused[this.network.index(id)] = true;
  }

  /** The node runs again: what waited for it is delivered now, in order, in one batch. */
  resume(id: NodeId): void {
    const index = this.network.index(id);
    this.paused[index] = false;
    const waiting = this.inbox[index] as InputBatch;
    this.inbox[index] = emptyBatch();
    const endpoint = this.endpoints[index];
    if (endpoint !== null && endpoint !== undefined && waiting.senders.length > 0) endpoint.post(waiting);
  }

  // ---- Carrying ------------------------------------------------------------------------------------------

  /**
   * A replica's messages leave now: `messages[i]` goes to the node at index `to[i]`, and each
   * takes the network's verdict (drop, delay, duplicate).
   */
  send(from: NodeId, to: readonly number[], messages: readonly ProtocolRecord[]): void {
    assert(to.length === messages.length, 'one destination per message');
    if (messages.length === 0) return;
    const nowUs = this.clock.nowUs();
    const fromIndex = this.network.index(from);
    const trace = this.options.trace;
    for (let position = 0; position < messages.length; position++) {
      const toIndex = to[position] as number;
      const message = messages[position] as ProtocolRecord;
      const id = this.messageIdNext++;
      this.stats.sent++;
      if (trace !== undefined) trace(sendLine(nowUs, id, from, this.ids[toIndex] as NodeId, this.options.messageKind(message), message, this.options.isHeartbeat(message)));
      const route = this.network.route(fromIndex, toIndex, nowUs);
      if (route.dropReason !== null) {
        this.dropped(nowUs, id, from, this.ids[toIndex] as NodeId, message, route.dropReason);
        continue;
      }
      if (route.delaysUs.length > 1) this.stats.duplicated += route.delaysUs.length - 1;
      for (const delayUs of route.delaysUs) this.push(nowUs + delayUs, { kind: 'deliver', timeUs: nowUs + delayUs, from: fromIndex, to: toIndex, message, id });
    }
  }

  /** A client's request to a replica, over the client link. */
  request(to: NodeId, request: ClientRequest): void {
    const nowUs = this.clock.nowUs();
    this.push(nowUs + sampleLatencyUs(this.options.clientLatencyMs, this.options.clientPrng), { kind: 'request', to: this.network.index(to), request });
  }

  /** A replica's replies, back over the client link. */
  reply(replies: readonly ClientReply[]): void {
    if (replies.length === 0) return;
    const nowUs = this.clock.nowUs();
    for (const reply of replies) this.push(nowUs + sampleLatencyUs(this.options.clientLatencyMs, this.options.clientPrng), { kind: 'reply', reply });
  }

  /** Runs `action` at lab time `timeUs` (clients, scheduled faults, the nemesis). */
  at(timeUs: number, action: () => void): void {
    this.push(Math.max(timeUs, this.clock.nowUs()), { kind: 'call', action });
  }

  /** The clock was paused, resumed or rescaled: the timer must be armed again. */
  clockChanged(): void {
    this.disarm();
    this.arm();
  }

  /** Nothing more is carried (the run ended). */
  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  get pendingEvents(): number {
    return this.queue.size;
  }

  // ---- The event loop ------------------------------------------------------------------------------------

  private push(timeUs: number, event: BusEvent): void {
    if (this.stopped) return;
    this.queue.push(timeUs, event);
    if (timeUs < this.armedAtUs) {
      this.disarm();
      this.arm();
    }
  }

  private arm(): void {
    const headUs = this.queue.peekTimeUs();
    if (this.stopped || headUs === Infinity || this.timer !== null) return;
    const waitMs = this.clock.wallMsUntil(headUs);
    if (waitMs === Infinity) return; // the run is paused: nothing becomes due
    this.armedAtUs = headUs;
    const fire = () => {
      this.timer = null;
      this.armedAtUs = Infinity;
      this.round();
    };
    // The round also runs what is due within `immediateWallMsMax`, so the timer aims that much
    // early: Node fires it 0–1 ms late, which centres the error on the due time.
    this.timer = waitMs < immediateWallMsMax ? { kind: 'immediate', handle: setImmediate(fire) } : { kind: 'timeout', handle: setTimeout(fire, waitMs - immediateWallMsMax) };
  }

  private disarm(): void {
    if (this.timer?.kind === 'timeout') clearTimeout(this.timer.handle);
    if (this.timer?.kind === 'immediate') clearImmediate(this.timer.handle);
    this.timer = null;
    this.armedAtUs = Infinity;
  }

  /** Everything due (within the timer's resolution) runs now; then each worker gets what it was sent, in one postMessage. */
  private round(): void {
    if (this.stopped) return;
    const horizonUs = this.clock.nowUs() + immediateWallMsMax * 1000 * this.clock.scale;
    while (!this.stopped && this.clock.running && this.queue.peekTimeUs() <= horizonUs) {
      // An event may run a little before its instant (see immediateWallMsMax); lab time moves to it first.
      this.clock.reach(this.queue.peekTimeUs());
      this.run(this.queue.pop() as BusEvent);
    }
    this.flush();
    this.arm();
  }

  private run(event: BusEvent): void {
    switch (event.kind) {
      case 'deliver':
        return this.onDeliver(event);
      case 'request':
        return this.enqueue(event.to, clientSender, event.request);
      case 'reply':
        return this.options.onReply(event.reply);
      case 'call':
        return event.action();
      default:
        assertNever(event, 'bus event');
    }
  }

  private onDeliver(event: Extract<BusEvent, { kind: 'deliver' }>): void {
    const from = this.ids[event.from] as NodeId;
    const to = this.ids[event.to] as NodeId;
    if (this.endpoints[event.to] === null) return this.dropped(event.timeUs, event.id, from, to, event.message, 'down');
    // A cut made while the message was in flight drops it too (as in the simulator).
    if (this.network.isBlockedByIndex(event.from, event.to)) return this.dropped(event.timeUs, event.id, from, to, event.message, 'partition');
    this.stats.delivered++;
    this.options.trace?.(this.marked({ t: event.timeUs, kind: 'deliver', id: event.id, from, to, message: this.options.messageKind(event.message) }, event.message));
    this.enqueue(event.to, event.from, event.message);
  }

  /** A crashed node answers nothing (the client times out); a paused one gets it when it resumes. */
  private enqueue(index: number, sender: number, payload: ProtocolRecord | ClientRequest): void {
    if (this.endpoints[index] === null) return;
    const batch = (this.paused[index] === true ? this.inbox[index] : this.outgoing[index]) as InputBatch;
    batch.senders.push(sender);
    batch.payloads.push(payload);
  }

  private flush(): void {
    for (let index = 0; index < this.outgoing.length; index++) {
      const batch = this.outgoing[index] as InputBatch;
      if (batch.senders.length === 0) continue;
      this.outgoing[index] = emptyBatch();
      const endpoint = this.endpoints[index];
      assert(endpoint !== null && endpoint !== undefined, 'inputs queued for a node that is down');
      endpoint.post(batch);
    }
  }

  private dropped(timeUs: number, id: number, from: NodeId, to: NodeId, message: ProtocolRecord, reason: string): void {
    this.stats.dropped++;
    this.options.trace?.(this.marked({ t: timeUs, kind: 'drop', id, from, to, message: this.options.messageKind(message), reason }, message));
  }

  /** The message line with `heartbeat: true` when it carries no entries, as the simulator writes it. */
  private marked<Line extends Extract<TraceEvent, { kind: 'send' | 'deliver' | 'drop' }>>(line: Line, message: unknown): Line {
    return this.options.isHeartbeat(message) ? { ...line, heartbeat: true } : line;
  }
}

function emptyBatch(): InputBatch {
  return { senders: [], payloads: [] };
}
