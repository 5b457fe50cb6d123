import { assertNever } from '../base/assert';
import type { NodeId } from '../base/ids';
import type { TraceEvent } from '../history/trace';
import type { ObservedEvent } from '../protocol/replica';

/**
 * The trace event of what a replica reported (ARCHITECTURE §9), the same in both
 * runtimes; null for `apply`, which the cluster safety check consumes instead of the trace.
 */
export function observedTraceEvent(t: number, node: NodeId, event: ObservedEvent): TraceEvent | null {
  switch (event.kind) {
    case 'role':
      return { t, kind: 'role', node, role: event.role, term: event.term, leader: event.leader };
    case 'commit':
      return { t, kind: 'commit', node, commitIndex: event.commitIndex };
    case 'snapshot':
      return { t, kind: 'snapshot', node, index: event.index };
    case 'ignored':
      return { t, kind: 'ignored', node, from: event.from, message: event.message, reason: event.reason };
    case 'log-append':
      return event.commands === undefined ? { t, kind: 'log-append', node, from: event.from, to: event.to, term: event.term } : { t, kind: 'log-append', node, from: event.from, to: event.to, term: event.term, commands: event.commands };
    case 'log-truncate':
      return { t, kind: 'log-truncate', node, from: event.from };
    case 'log-restore':
      return { t, kind: 'log-restore', node, snapshotIndex: event.snapshotIndex, runs: event.runs };
    case 'applied':
      return { t, kind: 'applied', node, index: event.index };
    case 'apply':
      return null;
    default:
      return assertNever(event, 'observed event');
  }
}
