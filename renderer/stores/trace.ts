import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { MessageTimeline } from '../diagram/messageTimeline';
import type { TraceEvent } from '../../src/contract/engine';
import { type StaleReadEvidence, StaleReadDetector } from './liveViolations';
import { faultInWords } from '../../src/contract/engine';

/** Events the log keeps (the newest); older ones leave. */
export const traceEventsKeptMax = 20_000;

/** The event log's filter groups, each a set of trace event kinds. */
export const eventGroups = {
  messages: ['send', 'deliver'],
  drops: ['drop'],
  roles: ['role'],
  commits: ['commit', 'snapshot', 'log-append', 'log-truncate', 'log-restore', 'applied'],
  operations: ['invoke', 'complete', 'missed', 'clients'],
  faults: ['node', 'fault'],
  ignored: ['ignored'],
  checks: ['invariant', 'end', 'header'],
} as const satisfies Record<string, readonly TraceEvent['kind'][]>;

export type EventGroup = keyof typeof eventGroups;

const groupOfKind = new Map<string, EventGroup>(Object.entries(eventGroups).flatMap(([group, kinds]) => kinds.map((kind) => [kind, group as EventGroup] as const)));

export function groupOf(event: TraceEvent): EventGroup {
  return groupOfKind.get(event.kind) ?? 'checks';
}

/** Whether an event involves a node (as sender, receiver, subject, or the replica a client reached). */
function involves(event: TraceEvent, node: string): boolean {
  switch (event.kind) {
    case 'send':
    case 'deliver':
    case 'drop':
      return event.from === node || event.to === node;
    case 'role':
    case 'commit':
    case 'snapshot':
    case 'log-append':
    case 'log-truncate':
    case 'log-restore':
    case 'applied':
    case 'node':
    case 'invoke':
      return event.node === node;
    case 'ignored':
      return event.node === node || event.from === node;
    case 'invariant':
      return event.node === node;
    case 'fault':
      return event.detail.includes(node);
    default:
      return false;
  }
}

/** Which events the log shows: the checked groups, and one node's events when a node is named. */
export interface EventFilter {
  readonly groups: Readonly<Record<EventGroup, boolean>>;
  readonly node: string;
}

function matches(filter: EventFilter, event: TraceEvent): boolean {
  return filter.groups[groupOf(event)] && (filter.node === '' || involves(event, filter.node));
}

/**
 * The log's events kept incrementally: a ring of the newest events by sequence number, and the
 * sequence numbers of those the filter shows, in order. A batch costs its own length (append, and
 * drop from the front what left the ring), not a copy and a re-filter of all 20 000 kept; only a
 * change of filter walks the ring once.
 */
export class FilteredEventLog {
  private readonly slots: Array<TraceEvent | undefined>;
  /** Sequence number of the next event; the ring holds [received - size, received). */
  private received = 0;
  private size = 0;
  /** Shown sequence numbers, oldest first, from `shownStart` on (compacted now and then). */
  private shown: number[] = [];
  private shownStart = 0;
  private filter: EventFilter;
  private filterKey: string;

  constructor(
    readonly capacity: number,
    filter: EventFilter,
  ) {
    this.slots = new Array<TraceEvent | undefined>(capacity);
    this.filter = filter;
    this.filterKey = JSON.stringify(filter);
  }

  push(event: TraceEvent): void {
    const sequence = this.received++;
    this.slots[sequence % this.capacity] = event;
    this.size = Math.min(this.size + 1, this.capacity);
    if (matches(this.filter, event)) this.shown.push(sequence);
    this.dropLeft();
  }

  /** Events kept (shown or not). */
  get count(): number {
    return this.size;
  }

  /** Events the filter shows among those kept. */
  get shownCount(): number {
    return this.shown.length - this.shownStart;
  }

  /** Shows what `filter` selects; walks the kept events only when the filter changed. */
  setFilter(filter: EventFilter): void {
    const key = JSON.stringify(filter);
    if (key === this.filterKey) return;
    this.filter = filter;
    this.filterKey = key;
    this.shown = [];
    this.shownStart = 0;
    for (let sequence = this.received - this.size; sequence < this.received; sequence++) {
      if (matches(filter, this.slots[sequence % this.capacity] as TraceEvent)) this.shown.push(sequence);
    }
  }

  /** The shown events from position `first` (inclusive) to `last` (exclusive), oldest first. */
  shownBetween(first: number, last: number): TraceEvent[] {
    const from = Math.max(0, first);
    const to = Math.min(this.shownCount, last);
    const out: TraceEvent[] = [];
    for (let position = from; position < to; position++) out.push(this.slots[(this.shown[this.shownStart + position] as number) % this.capacity] as TraceEvent);
    return out;
  }

  /** Every kept event, oldest first, as a new array. */
  all(): TraceEvent[] {
    const out = new Array<TraceEvent>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.slots[(this.received - this.size + i) % this.capacity] as TraceEvent;
    return out;
  }

  /** Shown sequence numbers of events that left the ring go; the array is compacted when half of it is gone. */
  private dropLeft(): void {
    const oldest = this.received - this.size;
    while (this.shownStart < this.shown.length && (this.shown[this.shownStart] as number) < oldest) this.shownStart++;
    if (this.shownStart > 1024 && this.shownStart * 2 > this.shown.length) {
      this.shown = this.shown.slice(this.shownStart);
      this.shownStart = 0;
    }
  }
}

/** The streamed trace: the newest events for the log (with filters) and the live stale-read proof counter. */
export const useTraceStore = defineStore('trace', () => {
  const shownGroups = ref<Record<EventGroup, boolean>>({ messages: false, drops: true, roles: true, commits: false, operations: false, faults: true, ignored: true, checks: true });
  const nodeFilter = ref('');
  const currentFilter = (): EventFilter => ({ groups: { ...shownGroups.value }, node: nodeFilter.value.trim() });
  /** Never reactive (markRaw): `logVersion` changes when a batch or a reset changed it. */
  let log = markRaw(new FilteredEventLog(traceEventsKeptMax, currentFilter()));
  let detector = new StaleReadDetector();
  const logVersion = ref(0);
  const received = ref(0);
  /** Events of the run the lab did not send (busy intervals): the log and the counts from the trace miss them. */
  const skippedCount = ref(0);
  const provenStaleReads = ref(0);
  const staleReadEvidence = shallowRef<readonly StaleReadEvidence[]>([]);
  const detectorSaturated = ref(false);
  /**
   * The live space-time diagram's messages: a ring of typed arrays, never reactive (markRaw);
   * `timelineVersion` changes when a batch changed what it draws.
   */
  const timeline = shallowRef<MessageTimeline | null>(null);
  const timelineVersion = ref(0);

  /** The log with the current filter applied (a filter change re-walks the kept events once). */
  function filteredLog(): FilteredEventLog {
    void logVersion.value;
    log.setFilter(currentFilter());
    return log;
  }

  const eventCount = computed(() => {
    void logVersion.value;
    return log.count;
  });
  const filteredCount = computed(() => filteredLog().shownCount);

  /** The shown events from `first` to `last` (exclusive): what the log's visible rows need, no more. */
  function filteredBetween(first: number, last: number): TraceEvent[] {
    return filteredLog().shownBetween(first, last);
  }

  /** Every kept event, oldest first (a copy: for tests and exports, not for every frame). */
  const events = computed<readonly TraceEvent[]>(() => {
    void logVersion.value;
    return log.all();
  });
  /** Every shown event, oldest first (a copy, likewise). */
  const filtered = computed<readonly TraceEvent[]>(() => filteredBetween(0, filteredCount.value));

  /**
   * Takes one batch of the run's trace; `skipped` counts the events of that interval the lab did
   * not send (a busy interval), so counts made from the trace are lower bounds from then on.
   * `nodes` names the run's replicas for a batch that does not start with the trace's header.
   */
  function append(batch: readonly TraceEvent[], skipped = 0, nodes: readonly string[] = []): void {
    skippedCount.value += skipped;
    if (batch.length === 0) return;
    if (timeline.value === null) {
      const header = batch.find((event) => event.kind === 'header');
      timeline.value = markRaw(new MessageTimeline(header?.kind === 'header' ? header.nodes : nodes));
    }
    if (timeline.value.observe(batch)) timelineVersion.value++;
    for (const event of batch) {
      log.push(event);
      detector.observe(event);
    }
    received.value += batch.length;
    logVersion.value++;
    if (detector.count !== provenStaleReads.value) {
      provenStaleReads.value = detector.count;
      staleReadEvidence.value = [...detector.evidence];
    }
    detectorSaturated.value = detector.saturated;
  }

  function reset(): void {
    log = markRaw(new FilteredEventLog(traceEventsKeptMax, currentFilter()));
    detector = new StaleReadDetector();
    logVersion.value++;
    received.value = 0;
    skippedCount.value = 0;
    provenStaleReads.value = 0;
    staleReadEvidence.value = [];
    detectorSaturated.value = false;
    timeline.value = null;
    timelineVersion.value++;
  }

  function showGroup(group: EventGroup, shown: boolean): void {
    shownGroups.value = { ...shownGroups.value, [group]: shown };
  }

  return { timeline, timelineVersion, events, filtered, eventCount, filteredCount, filteredBetween, received, skippedCount, provenStaleReads, staleReadEvidence, detectorSaturated, shownGroups, nodeFilter, append, reset, showGroup };
});

/** One line of the event log. */
export function describeEvent(event: TraceEvent): string {
  switch (event.kind) {
    case 'header':
      return `run ${event.experiment} (${event.protocol}, seed ${event.seed}) on ${event.nodes.join(', ')}`;
    case 'send':
      return `${event.from} → ${event.to} ${event.message}`;
    case 'deliver':
      return `${event.from} → ${event.to} delivered ${event.message}`;
    case 'drop':
      return `${event.from} → ${event.to} dropped ${event.message} (${event.reason})`;
    case 'role':
      return `${event.node} is ${event.role} in term/view ${event.term}${event.leader === null ? '' : `, leader ${event.leader}`}`;
    case 'commit':
      return `${event.node} commit index ${event.commitIndex}`;
    case 'snapshot':
      return `${event.node} snapshot at ${event.index}`;
    case 'log-append':
      return `${event.node} log ${event.from === event.to ? `entry ${event.from}` : `entries ${event.from}–${event.to}`} of term/view ${event.term}${event.commands === undefined ? '' : ` (proposed here: ${event.commands.slice(0, 3).join(', ')}${event.commands.length > 3 ? ' …' : ''})`}`;
    case 'log-truncate':
      return `${event.node} log truncated from ${event.from}`;
    case 'log-restore':
      return `${event.node} restarted with log ${event.runs.length === 0 ? 'empty' : `${event.runs[0]?.[0]}–${event.runs[event.runs.length - 1]?.[1]}`} after snapshot ${event.snapshotIndex}`;
    case 'applied':
      return `${event.node} applied through ${event.index}`;
    case 'ignored':
      return `${event.node} ignored ${event.message} from ${event.from}: ${event.reason}`;
    case 'node':
      return `${event.node} ${event.action}${event.detail === undefined ? '' : ` (${event.detail})`}`;
    case 'fault':
      return faultInWords(event.fault, event.detail);
    case 'invoke':
      return `client ${event.client} → ${event.node}: ${event.input.f} ${event.input.key}${event.input.f === 'write' ? ` = ${event.input.value}` : event.input.f === 'cas' ? ` ${String(event.input.from)} → ${event.input.to}` : ''} (op ${event.op}${event.intended === undefined ? '' : `, ${((event.t - event.intended) / 1000).toFixed(1)} ms after its intended start`})`;
    case 'complete':
      return `client ${event.client}: op ${event.op} ${event.output.type}${event.output.type === 'ok' && event.output.value !== undefined ? ` → ${String(event.output.value)}` : ''}${event.served === false && event.output.type !== 'info' ? ' (not served: too late or refused)' : ''}`;
    case 'missed':
      return `client ${event.client}: missed the operation it meant to start at ${(event.intended / 1e6).toFixed(3)} s (still waiting on an earlier one when its timeout passed)`;
    case 'clients':
      return `clients' home replicas: ${event.homes.map((home, index) => `${index + 1}→${home}`).join(', ')}`;
    case 'invariant':
      return `INVARIANT BROKEN${event.node === null ? '' : ` at ${event.node}`}: ${event.broken}`;
    case 'end':
      return `end: ${event.summary}`;
  }
}
