import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { MessageTimeline } from '../diagram/messageTimeline';
import type { TraceEvent } from '../../src/history/trace';
import { type StaleReadEvidence, StaleReadDetector } from './liveViolations';
import { useRunStore } from './run';

/** Events the log keeps (the newest); older ones leave. */
export const traceEventsKeptMax = 20_000;

/** The event log's filter groups, each a set of trace event kinds. */
export const eventGroups = {
  messages: ['send', 'deliver'],
  drops: ['drop'],
  roles: ['role'],
  commits: ['commit', 'snapshot'],
  operations: ['invoke', 'complete'],
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

/** A fixed-size ring of the newest events; `snapshot` gives them oldest first as a new array. */
export class EventRing {
  private readonly slots: Array<TraceEvent | undefined>;
  private next = 0;
  private size = 0;
  constructor(readonly capacity: number) {
    this.slots = new Array<TraceEvent | undefined>(capacity);
  }
  push(event: TraceEvent): void {
    this.slots[this.next] = event;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }
  snapshot(): TraceEvent[] {
    const start = (this.next - this.size + this.capacity) % this.capacity;
    const out = new Array<TraceEvent>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.slots[(start + i) % this.capacity] as TraceEvent;
    return out;
  }
  clear(): void {
    this.slots.fill(undefined);
    this.next = 0;
    this.size = 0;
  }
}

/** The streamed trace: the newest events for the log (with filters) and the live stale-read proof counter. */
export const useTraceStore = defineStore('trace', () => {
  let ring = new EventRing(traceEventsKeptMax);
  let detector = new StaleReadDetector();
  /** The newest events, oldest first; replaced wholesale per batch. */
  const events = shallowRef<readonly TraceEvent[]>([]);
  const received = ref(0);
  const provenStaleReads = ref(0);
  const staleReadEvidence = shallowRef<readonly StaleReadEvidence[]>([]);
  const detectorSaturated = ref(false);
  const shownGroups = ref<Record<EventGroup, boolean>>({ messages: false, drops: true, roles: true, commits: false, operations: false, faults: true, ignored: true, checks: true });
  const nodeFilter = ref('');
  /**
   * The live space-time diagram's messages: a ring of typed arrays, never reactive (markRaw);
   * `timelineVersion` changes when a batch changed what it draws.
   */
  const timeline = shallowRef<MessageTimeline | null>(null);
  const timelineVersion = ref(0);

  const filtered = computed(() => {
    const shown = shownGroups.value;
    const node = nodeFilter.value.trim();
    return events.value.filter((event) => shown[groupOf(event)] && (node === '' || involves(event, node)));
  });

  function append(batch: readonly TraceEvent[]): void {
    if (batch.length === 0) return;
    if (timeline.value === null) {
      const header = batch.find((event) => event.kind === 'header');
      timeline.value = markRaw(new MessageTimeline(header?.kind === 'header' ? header.nodes : useRunStore().nodes));
    }
    if (timeline.value.observe(batch)) timelineVersion.value++;
    for (const event of batch) {
      ring.push(event);
      detector.observe(event);
    }
    received.value += batch.length;
    events.value = ring.snapshot();
    if (detector.count !== provenStaleReads.value) {
      provenStaleReads.value = detector.count;
      staleReadEvidence.value = [...detector.evidence];
    }
    detectorSaturated.value = detector.saturated;
  }

  function reset(): void {
    ring = new EventRing(traceEventsKeptMax);
    detector = new StaleReadDetector();
    events.value = [];
    received.value = 0;
    provenStaleReads.value = 0;
    staleReadEvidence.value = [];
    detectorSaturated.value = false;
    timeline.value = null;
    timelineVersion.value++;
  }

  function showGroup(group: EventGroup, shown: boolean): void {
    shownGroups.value = { ...shownGroups.value, [group]: shown };
  }

  return { timeline, timelineVersion, events, filtered, received, provenStaleReads, staleReadEvidence, detectorSaturated, shownGroups, nodeFilter, append, reset, showGroup };
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
    case 'ignored':
      return `${event.node} ignored ${event.message} from ${event.from}: ${event.reason}`;
    case 'node':
      return `${event.node} ${event.action}${event.detail === undefined ? '' : ` (${event.detail})`}`;
    case 'fault':
      return `${event.fault}: ${event.detail}`;
    case 'invoke':
      return `client ${event.client} → ${event.node}: ${event.input.f} ${event.input.key}${event.input.f === 'write' ? ` = ${event.input.value}` : event.input.f === 'cas' ? ` ${String(event.input.from)} → ${event.input.to}` : ''} (op ${event.op})`;
    case 'complete':
      return `client ${event.client}: op ${event.op} ${event.output.type}${event.output.type === 'ok' && event.output.value !== undefined ? ` → ${String(event.output.value)}` : ''}`;
    case 'invariant':
      return `INVARIANT BROKEN${event.node === null ? '' : ` at ${event.node}`}: ${event.broken}`;
    case 'end':
      return `end: ${event.summary}`;
  }
}
