import type { TraceEvent } from '../../src/contract/engine';

/**
 * What the Lab's picture shows, at any instant of a recorded run, rebuilt from its trace alone
 * (ARCHITECTURE §9): which links a partition cuts, the CP/AP policy, the messages in flight (and
 * each message's whole story: sent, delivered, dropped or ignored, and why), the clients (the
 * replica each one talks to, and whether it waits), and the values each replica served. The trace
 * keeps a message's kind and id, not its payload, so a message's fields are what the trace and the
 * replicas' states around it say. Pure; the replay store holds one per loaded trace.
 */

/** Events between two kept checkpoints of the clients and values: seeking folds at most this many. */
export const sceneCheckpointEveryEvents = 2_000;
/** Messages in flight drawn at most at one instant (the rest are counted). */
export const inFlightShownMax = 60;
/** Events looked back at most to find the messages in flight at an instant. */
const inFlightLookBackMax = 50_000;

/** One message of the trace, with its fate. */
export interface ReplayMessage {
  readonly id: number;
  readonly from: string;
  readonly to: string;
  /** The message's kind (AppendEntries, Prepare, …). */
  readonly kind: string;
  readonly sentUs: number;
  /** Event position of the send (0-based). */
  readonly sentAt: number;
  readonly fate: 'delivered' | 'dropped' | 'unknown';
  /** When it was delivered or dropped; null when the trace ends first. */
  readonly fateUs: number | null;
  readonly fateAt: number | null;
  /** Why it was dropped (partition, random, receiver down…). */
  readonly dropReason: string | null;
  /** Delivered, and the receiver ignored it: why. */
  readonly ignoredReason: string | null;
  /** Delivered more than once (a duplicate). */
  readonly deliveries: number;
}

/** One client at an instant. */
export interface ReplayClient {
  /** 1-based, as the trace numbers them. */
  readonly client: number;
  /** Its home replica (the `clients` event). */
  readonly home: string | null;
  /** The replica its newest operation went to (null before its first). */
  readonly node: string | null;
  /** The operation it waits on, or null when it waits on nothing. */
  readonly waiting: { readonly op: number; readonly text: string; readonly sinceUs: number } | null;
  /** Its last completed operation, in words. */
  readonly last: string | null;
}

/** The last value a replica gave a client for a key (a read it served or a write it acknowledged). */
export interface ServedValue {
  readonly key: string;
  readonly value: string;
  readonly how: 'read' | 'write';
  readonly atUs: number;
}

interface FoldState {
  cut: Set<string>;
  /** Nodes disconnected from every other. */
  disconnected: Set<string>;
  /** `write …, read …` as the trace last said; null before any switch. */
  consistency: string | null;
  homes: readonly string[];
  clients: Map<number, { node: string | null; waiting: ReplayClient['waiting']; last: string | null }>;
  /** Open operations: op → what is needed to say its completion. */
  open: Map<number, { node: string; f: string; key: string; value: string | null }>;
  /** Per replica, per key, the value served last. */
  values: Map<string, Map<string, ServedValue>>;
}

function copyState(state: FoldState): FoldState {
  return {
    cut: new Set(state.cut),
    disconnected: new Set(state.disconnected),
    consistency: state.consistency,
    homes: state.homes,
    clients: new Map([...state.clients].map(([key, value]) => [key, { ...value }])),
    open: new Map(state.open),
    values: new Map([...state.values].map(([node, byKey]) => [node, new Map(byKey)])),
  };
}

/** The directed links ("from>to") a partition's trace description cuts (src/network/partitions.ts words). */
export function cutOfPartition(detail: string, nodes: readonly string[]): Set<string> {
  const cut = new Set<string>();
  const groupsOf = (text: string) => [...text.matchAll(/\{([^}]*)\}/g)].map((match) => (match[1] as string).split(',').map((node) => node.trim()).filter((node) => node !== ''));
  const bridge = /^bridge (\S+):/.exec(detail);
  const oneWay = /^one-way: (\S+) →/.exec(detail);
  const ring = /^ring (\S+)$/.exec(detail);
  if (bridge !== null) {
    const [left = [], right = []] = groupsOf(detail).map((group) => group.filter((node) => node !== bridge[1]));
    for (const a of left) for (const b of right) cut.add(`${a}>${b}`).add(`${b}>${a}`);
  } else if (oneWay !== null) {
    for (const to of nodes) if (to !== oneWay[1]) cut.add(`${oneWay[1]}>${to}`);
  } else if (ring !== null) {
    const order = (ring[1] as string).split('-').slice(0, -1);
    const count = order.length;
    order.forEach((from, i) =>
      order.forEach((to, j) => {
        if (Math.min((i - j + count) % count, (j - i + count) % count) > 1) cut.add(`${from}>${to}`);
      }),
    );
  } else {
    const groups = groupsOf(detail);
    const groupOf = new Map<string, number>();
    groups.forEach((group, index) => group.forEach((node) => groupOf.set(node, index)));
    for (const [from, a] of groupOf) for (const [to, b] of groupOf) if (a !== b) cut.add(`${from}>${to}`);
  }
  return cut;
}

function operationText(input: Extract<TraceEvent, { kind: 'invoke' }>['input']): string {
  if (input.f === 'write') return `write ${input.key} = ${String(input.value)}`;
  if (input.f === 'cas') return `cas ${input.key} ${String(input.from)} → ${String(input.to)}`;
  return `${input.f} ${input.key}`;
}

function applyEvent(state: FoldState, event: TraceEvent, nodes: readonly string[]): void {
  switch (event.kind) {
    case 'fault':
      if (event.fault === 'partition') state.cut = cutOfPartition(event.detail, nodes);
      else if (event.fault === 'heal') state.cut = new Set();
      else if (event.fault === 'disconnect') state.disconnected.add(event.detail);
      else if (event.fault === 'connect') state.disconnected.delete(event.detail);
      else if (event.fault === 'consistency') state.consistency = event.detail;
      return;
    case 'clients':
      state.homes = event.homes;
      return;
    case 'invoke': {
      const input = event.input;
      const value = input.f === 'write' ? String(input.value) : input.f === 'cas' ? String(input.to) : null;
      state.open.set(event.op, { node: event.node, f: input.f, key: input.key, value });
      state.clients.set(event.client, { node: event.node, waiting: { op: event.op, text: operationText(input), sinceUs: event.t }, last: state.clients.get(event.client)?.last ?? null });
      return;
    }
    case 'complete': {
      const open = state.open.get(event.op);
      state.open.delete(event.op);
      const client = state.clients.get(event.client);
      const output = event.output;
      const said = `op ${event.op} ${output.type}${output.type === 'ok' && output.value !== undefined ? ` → ${String(output.value)}` : ''}`;
      state.clients.set(event.client, { node: client?.node ?? open?.node ?? null, waiting: client?.waiting?.op === event.op ? null : (client?.waiting ?? null), last: said });
      if (open === undefined || output.type !== 'ok') return;
      const served = open.f === 'read' ? (output.value === undefined || output.value === null ? 'nil' : String(output.value)) : open.value;
      if (served === null) return;
      const byKey = state.values.get(open.node) ?? new Map<string, ServedValue>();
      byKey.set(open.key, { key: open.key, value: served, how: open.f === 'read' ? 'read' : 'write', atUs: event.t });
      state.values.set(open.node, byKey);
      return;
    }
    default:
      return;
  }
}

/** The picture at one instant. */
export interface ReplayPicture {
  /** Directed links a partition cuts ("from>to"), a disconnected node's included. */
  readonly cut: ReadonlySet<string>;
  /** `write quorum, read linearizable` as the trace last said; null before any switch (the experiment's own). */
  readonly consistency: string | null;
  readonly clients: readonly ReplayClient[];
  /** Per replica (in node order), the values it served last, by key. */
  readonly values: ReadonlyArray<{ readonly node: string; readonly values: readonly ServedValue[] }>;
  /** Messages sent and not yet delivered or dropped, oldest first (at most `inFlightShownMax`). */
  readonly inFlight: readonly ReplayMessage[];
  /** All of them, when more than are shown. */
  readonly inFlightCount: number;
}

/** The step kinds the replay offers besides one event: message deliveries, elections, commits, violations. */
export type StepKind = 'delivery' | 'election' | 'commit' | 'violation' | 'fault';

const stepMatches: Record<StepKind, (event: TraceEvent) => boolean> = {
  delivery: (event) => event.kind === 'deliver',
  election: (event) => event.kind === 'role' && (event.role === 'leader' || event.role === 'primary'),
  commit: (event) => event.kind === 'commit',
  violation: (event) => event.kind === 'invariant',
  fault: (event) => event.kind === 'fault' || event.kind === 'node',
};

export class ReplayScene {
  private readonly checkpoints: FoldState[] = [];
  private readonly messages = new Map<number, ReplayMessage>();
  /** For each event position of a send, its message id; -1 elsewhere. */
  private readonly sendIdAt: Int32Array;
  private readonly longestFlightUs: number;

  constructor(
    readonly events: readonly TraceEvent[],
    readonly nodes: readonly string[],
    private readonly checkpointEvery = sceneCheckpointEveryEvents,
  ) {
    this.sendIdAt = new Int32Array(events.length).fill(-1);
    const state: FoldState = { cut: new Set(), disconnected: new Set(), consistency: null, homes: [], clients: new Map(), open: new Map(), values: new Map() };
    const mutable = new Map<number, { -readonly [Key in keyof ReplayMessage]: ReplayMessage[Key] }>();
    let longest = 0;
    for (let position = 0; position < events.length; position++) {
      if (position % checkpointEvery === 0) this.checkpoints.push(copyState(state));
      const event = events[position] as TraceEvent;
      if (event.kind === 'send') {
        this.sendIdAt[position] = event.id;
        mutable.set(event.id, { id: event.id, from: event.from, to: event.to, kind: event.message, sentUs: event.t, sentAt: position, fate: 'unknown', fateUs: null, fateAt: null, dropReason: null, ignoredReason: null, deliveries: 0 });
      } else if (event.kind === 'deliver' || event.kind === 'drop') {
        const message = mutable.get(event.id);
        if (message !== undefined) {
          if (message.fateAt === null) {
            message.fate = event.kind === 'deliver' ? 'delivered' : 'dropped';
            message.fateUs = event.t;
            message.fateAt = position;
            longest = Math.max(longest, event.t - message.sentUs);
          }
          if (event.kind === 'deliver') message.deliveries++;
          if (event.kind === 'drop') message.dropReason = event.reason;
        }
      } else if (event.kind === 'ignored') {
        // The receiver ignores the message it was just delivered: the newest delivery to it from that sender.
        for (let back = position - 1; back >= 0 && back >= position - 8; back--) {
          const earlier = events[back] as TraceEvent;
          if (earlier.kind === 'deliver' && earlier.to === event.node && earlier.from === event.from) {
            const message = mutable.get(earlier.id);
            if (message !== undefined) message.ignoredReason = event.reason;
            break;
          }
        }
      }
      applyEvent(state, event, nodes);
    }
    if (events.length % checkpointEvery === 0) this.checkpoints.push(copyState(state));
    for (const [id, message] of mutable) this.messages.set(id, message);
    this.longestFlightUs = longest;
  }

  /** The message with trace id `id`, or null. */
  message(id: number): ReplayMessage | null {
    return this.messages.get(id) ?? null;
  }

  /** The picture after the first `position` events. */
  pictureAt(position: number): ReplayPicture {
    const clamped = Math.max(0, Math.min(this.events.length, Math.floor(position)));
    const checkpoint = Math.floor(clamped / this.checkpointEvery);
    const state = copyState(this.checkpoints[checkpoint] as FoldState);
    for (let index = checkpoint * this.checkpointEvery; index < clamped; index++) applyEvent(state, this.events[index] as TraceEvent, this.nodes);
    const cut = new Set(state.cut);
    for (const node of state.disconnected) for (const other of this.nodes) if (other !== node) cut.add(`${node}>${other}`).add(`${other}>${node}`);
    const clientIds = new Set<number>([...state.homes.map((_, index) => index + 1), ...state.clients.keys()]);
    const clients = [...clientIds]
      .sort((a, b) => a - b)
      .map((client) => {
        const known = state.clients.get(client);
        return { client, home: state.homes[client - 1] ?? null, node: known?.node ?? null, waiting: known?.waiting ?? null, last: known?.last ?? null };
      });
    const values = this.nodes.map((node) => ({ node, values: [...(state.values.get(node)?.values() ?? [])].sort((a, b) => a.key.localeCompare(b.key)) }));
    const { shown, count } = this.inFlightAt(clamped);
    return { cut, consistency: state.consistency, clients, values, inFlight: shown, inFlightCount: count };
  }

  /** Messages sent before `position` and neither delivered nor dropped by then. */
  private inFlightAt(position: number): { shown: ReplayMessage[]; count: number } {
    const atUs = position === 0 ? 0 : (this.events[position - 1] as TraceEvent).t;
    const found: ReplayMessage[] = [];
    for (let index = position - 1; index >= 0 && index >= position - inFlightLookBackMax; index--) {
      const event = this.events[index] as TraceEvent;
      if (event.t < atUs - this.longestFlightUs) break;
      const id = this.sendIdAt[index] as number;
      if (id < 0) continue;
      const message = this.messages.get(id);
      if (message !== undefined && (message.fateAt === null || message.fateAt >= position)) found.push(message);
    }
    found.reverse();
    return { shown: found.slice(0, inFlightShownMax), count: found.length };
  }

  /** The position just after the next (direction 1) or previous (−1) event of `kind` from `position`; null when none. */
  stepTo(position: number, kind: StepKind, direction: 1 | -1): number | null {
    const matches = stepMatches[kind];
    if (direction === 1) {
      for (let index = Math.max(0, position); index < this.events.length; index++) if (matches(this.events[index] as TraceEvent)) return index + 1;
      return null;
    }
    // Back: the previous such event before the one just applied.
    for (let index = Math.min(this.events.length, position) - 2; index >= 0; index--) if (matches(this.events[index] as TraceEvent)) return index + 1;
    return null;
  }
}
