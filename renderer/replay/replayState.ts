import type { TraceEvent } from '../../src/contract/engine';

/** Events between two kept checkpoints of every replica's state: seeking folds at most this many. */
export const replayCheckpointEveryEvents = 2_000;

/** One replica at an instant of the replay, as its trace says it was. */
export interface ReplicaReplayState {
  readonly id: string;
  readonly up: boolean;
  readonly paused: boolean;
  /** Null until the trace names its first role. */
  readonly role: string | null;
  /** Term (Raft) or view (VR). */
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
}

/** A trace line that could not be read: the line number (1-based) and why. */
export class TraceReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceReadError';
  }
}

/** The events of a `trace.jsonl` text, in file order; a line that is not an event is refused by number. */
export function parseTraceText(text: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new TraceReadError(`trace line ${index + 1} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || typeof (value as { t?: unknown }).t !== 'number' || typeof (value as { kind?: unknown }).kind !== 'string') {
      throw new TraceReadError(`trace line ${index + 1} is not a trace event (it needs a numeric t and a kind)`);
    }
    events.push(value as TraceEvent);
  }
  return events;
}

type MutableState = { -readonly [Field in keyof ReplicaReplayState]: ReplicaReplayState[Field] };

function initialStates(nodes: readonly string[]): MutableState[] {
  return nodes.map((id) => ({ id, up: true, paused: false, role: null, term: 0, leader: null, commitIndex: 0 }));
}

/** Applies one event to the replicas' states (those it concerns). */
function applyEvent(states: MutableState[], indexOf: ReadonlyMap<string, number>, event: TraceEvent): void {
  switch (event.kind) {
    case 'role': {
      const state = states[indexOf.get(event.node) ?? -1];
      if (state === undefined) return;
      state.role = event.role;
      state.term = event.term;
      state.leader = event.leader;
      return;
    }
    case 'commit': {
      const state = states[indexOf.get(event.node) ?? -1];
      if (state !== undefined) state.commitIndex = event.commitIndex;
      return;
    }
    case 'node': {
      const state = states[indexOf.get(event.node) ?? -1];
      if (state === undefined) return;
      if (event.action === 'crash' || event.action === 'worker-died') {
        state.up = false;
        state.paused = false;
      } else if (event.action === 'restart') {
        // A restarted replica comes back without volatile state; its role line follows in the trace.
        state.up = true;
        state.role = null;
        state.leader = null;
      } else if (event.action === 'pause') state.paused = true;
      else state.paused = false;
      return;
    }
    default:
      return;
  }
}

/**
 * A recorded run made seekable: every replica's state at any event position, derived from the
 * trace's role, commit and node events (nothing is re-simulated). Checkpoints every
 * `checkpointEvery` events keep a seek to a few thousand folds on a trace of millions.
 */
export class ReplayIndex {
  readonly nodes: readonly string[];
  private readonly indexOf: ReadonlyMap<string, number>;
  private readonly checkpoints: Array<readonly ReplicaReplayState[]> = [];
  private readonly invokeUsByOperation = new Map<number, number>();
  private readonly times: Float64Array;

  constructor(
    readonly events: readonly TraceEvent[],
    private readonly checkpointEvery = replayCheckpointEveryEvents,
  ) {
    const header = events.find((event) => event.kind === 'header');
    this.nodes = header?.kind === 'header' ? [...header.nodes] : nodesNamedIn(events);
    this.indexOf = new Map(this.nodes.map((node, index) => [node, index]));
    this.times = new Float64Array(events.length);
    const states = initialStates(this.nodes);
    for (let position = 0; position < events.length; position++) {
      if (position % checkpointEvery === 0) this.checkpoints.push(states.map((state) => ({ ...state })));
      const event = events[position] as TraceEvent;
      this.times[position] = event.t;
      if (event.kind === 'invoke') this.invokeUsByOperation.set(event.op, event.t);
      applyEvent(states, this.indexOf, event);
    }
    if (events.length % checkpointEvery === 0) this.checkpoints.push(states.map((state) => ({ ...state })));
  }

  get eventCount(): number {
    return this.events.length;
  }

  get startUs(): number {
    return this.events[0]?.t ?? 0;
  }

  get endUs(): number {
    return this.events.at(-1)?.t ?? 0;
  }

  /** Every replica's state after the first `position` events (0: before any). */
  statesAt(position: number): readonly ReplicaReplayState[] {
    const clamped = Math.max(0, Math.min(this.events.length, Math.floor(position)));
    const checkpoint = Math.floor(clamped / this.checkpointEvery);
    const states = (this.checkpoints[checkpoint] as readonly ReplicaReplayState[]).map((state) => ({ ...state }));
    for (let index = checkpoint * this.checkpointEvery; index < clamped; index++) applyEvent(states, this.indexOf, this.events[index] as TraceEvent);
    return states;
  }

  /** How many events happened at or before `atUs`: the position of the instant `atUs`. */
  positionAt(atUs: number): number {
    let low = 0;
    let high = this.times.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.times[middle] as number) <= atUs) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The time of the last event applied at `position` (the start for 0). */
  timeAt(position: number): number {
    if (position <= 0) return this.startUs;
    return this.times[Math.min(position, this.times.length) - 1] as number;
  }

  /** When an operation was invoked (µs), or null when the trace does not hold it. */
  operationInvokedUs(operation: number): number | null {
    return this.invokeUsByOperation.get(operation) ?? null;
  }
}

/** Node ids a trace without a header mentions, in numeric order (n1, n2, … n10). */
function nodesNamedIn(events: readonly TraceEvent[]): string[] {
  const named = new Set<string>();
  for (const event of events) {
    if (event.kind === 'role' || event.kind === 'commit' || event.kind === 'node') named.add(event.node);
  }
  return [...named].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)) || a.localeCompare(b));
}
