import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ProtocolName } from '../../src/protocol/replica';
import type { MetricsSeries } from '../../src/metrics/series';
import { labHost, messageOf } from '../lab/labHost';
import type { ChosenExperiment } from './experiment';
import { appendMetricsBatch, emptySeries } from './liveSeries';
import type { RunSummary } from './run';

export type Protocol = ProtocolName;

/** One side of a comparison: the same experiment, seed and fault schedule on one protocol. */
export interface CompareSide {
  readonly protocol: Protocol;
  readonly runId: string | null;
  readonly series: MetricsSeries;
  readonly summary: RunSummary | null;
  readonly nowMs: number;
}

export const compareProtocols: readonly Protocol[] = ['raft', 'vr'];

const emptySide = (protocol: Protocol): CompareSide => ({ protocol, runId: null, series: emptySeries([]), summary: null, nowMs: 0 });

/**
 * Compare: one experiment run on Raft and on VR with the same seed and the same fault schedule
 * (two startRun calls that differ only in `protocol`), at speed max, their charts side by side.
 */
export const useCompareStore = defineStore('compare', () => {
  const sides = shallowRef<readonly CompareSide[]>(compareProtocols.map(emptySide));
  const experimentTitle = ref('');
  const seed = ref<number | null>(null);
  const running = ref(false);
  const error = ref<string | null>(null);
  let unsubscribe: Array<() => void> = [];

  const done = computed(() => sides.value.every((side) => side.summary !== null));

  function update(runId: string, change: (side: CompareSide) => CompareSide): void {
    if (!sides.value.some((side) => side.runId === runId)) return;
    sides.value = sides.value.map((side) => (side.runId === runId ? change(side) : side));
    if (done.value) running.value = false;
  }

  function listen(): void {
    const lab = labHost().lab;
    unsubscribe.forEach((off) => off());
    unsubscribe = [
      lab.on('metrics', (batch) => update(batch.runId, (side) => ({ ...side, series: appendMetricsBatch(side.series, batch), nowMs: batch.nowMs }))),
      lab.on('runEnded', (event) => update(event.runId, (side) => ({ ...side, summary: event.summary }))),
    ];
  }

  /** Starts both runs; returns whether both started. */
  async function start(chosen: ChosenExperiment, runSeed: number): Promise<boolean> {
    if (running.value) return false;
    error.value = null;
    experimentTitle.value = chosen.title;
    seed.value = runSeed;
    sides.value = compareProtocols.map(emptySide);
    running.value = true;
    listen();
    try {
      for (const protocol of compareProtocols) {
        const started = await labHost().lab.startRun({ text: chosen.text, source: chosen.source, runtime: 'sim', speed: 'max', seed: runSeed, protocol });
        // Events of this run may have come before its id was known (speed max); the polled state below catches up.
        sides.value = sides.value.map((side) => (side.protocol === protocol ? { ...side, runId: started.runId, series: emptySeries(started.nodes) } : side));
      }
      await catchUp();
      return true;
    } catch (failure) {
      running.value = false;
      error.value = `Could not start the comparison: ${messageOf(failure)}`;
      return false;
    }
  }

  /** Asks each side's state once: a run that ended before its id was known gets its summary. */
  async function catchUp(): Promise<void> {
    for (const side of sides.value) {
      if (side.runId === null || side.summary !== null) continue;
      const state = await labHost().lab.runState({ runId: side.runId });
      if (state.done && state.summary !== null) update(side.runId, (current) => ({ ...current, summary: state.summary }));
    }
  }

  return { sides, experimentTitle, seed, running, error, done, start, catchUp };
});
