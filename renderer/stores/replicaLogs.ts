import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import { ReplicaLogs } from '../../src/contract/engine';
import type { TraceEvent } from '../../src/contract/engine';
import { MomentDetector, type Moment, type ProvenViolation } from '../../src/contract/engine';

/**
 * The Replica logs view's data (issue 17): every replica's log rebuilt from the trace's log facts
 * (src/history/replicaLogs.ts) — live, fed each trace batch as it arrives, and at a replay's
 * instant, rebuilt from the replay's events (forward from the last instant asked for, from the
 * start only when the replay goes back). The live logs also find the run's moments as they happen.
 */
export const useReplicaLogsStore = defineStore('replicaLogs', () => {
  const live = shallowRef<ReplicaLogs | null>(null);
  /** Bumped by every live batch, so views redraw. */
  const liveVersion = ref(0);
  /** Live trace events that never arrived (dropped under load): the live logs may miss facts. */
  const liveSkipped = ref(0);
  const liveMoments = shallowRef<readonly Moment[]>([]);
  let detector: MomentDetector | null = null;
  /** The entry whose details are shown: replica and index. */
  const selected = ref<{ readonly node: string; readonly index: number } | null>(null);

  let replayEvents: readonly TraceEvent[] | null = null;
  let replayLogs: ReplicaLogs | null = null;
  let replayApplied = 0;

  function append(batch: readonly TraceEvent[], skipped = 0, nodes: readonly string[] = []): void {
    liveSkipped.value += skipped;
    if (batch.length === 0) return;
    if (live.value === null) {
      const header = batch.find((event) => event.kind === 'header');
      live.value = markRaw(new ReplicaLogs(header?.kind === 'header' ? header.nodes : nodes));
      detector = new MomentDetector(live.value);
    }
    const logs = live.value;
    const before = detector?.moments.length ?? 0;
    for (const event of batch) {
      logs.apply(event);
      detector?.observe(event);
    }
    if (detector !== null && detector.moments.length !== before) liveMoments.value = [...detector.moments];
    liveVersion.value++;
  }

  function reset(): void {
    live.value = null;
    detector = null;
    liveMoments.value = [];
    liveSkipped.value = 0;
    liveVersion.value++;
    selected.value = null;
  }

  /** The logs after the first `position` events of a replay's trace. */
  function atReplayPosition(events: readonly TraceEvent[], position: number): ReplicaLogs {
    if (replayEvents !== events || replayLogs === null || position < replayApplied) {
      const header = events[0];
      replayEvents = events;
      replayLogs = markRaw(new ReplicaLogs(header?.kind === 'header' ? header.nodes : []));
      replayApplied = 0;
    }
    const end = Math.min(position, events.length);
    for (; replayApplied < end; replayApplied++) replayLogs.apply(events[replayApplied] as TraceEvent);
    return replayLogs;
  }

  /** The first proven violation of each kind, at the instant the live trace saw its operation complete. */
  function violationMoments(proven: readonly ProvenViolation[]): Moment[] {
    return detector === null || proven.length === 0 ? [] : detector.violationMoments(proven);
  }

  function select(node: string, index: number): void {
    selected.value = selected.value?.node === node && selected.value.index === index ? null : { node, index };
  }

  return { live, liveVersion, liveSkipped, liveMoments, selected, append, reset, atReplayPosition, select, violationMoments };
});
