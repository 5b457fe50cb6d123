import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { detectMoments, presetMoments, storyOf, type Moment } from '../../src/contract/engine';
import { useReplayStore } from './replay';
import { useReplicaLogsStore } from './replicaLogs';
import { useRunStore } from './run';

/** A preset's `moments` as the validated experiment carries them; anything else is none. */
export function declaredMoments(value: unknown): Moment[] {
  if (!Array.isArray(value)) return [];
  const valid = value.filter((moment): moment is { atMs: number; caption: string } => typeof moment === 'object' && moment !== null && typeof moment.atMs === 'number' && typeof moment.caption === 'string');
  return presetMoments(valid);
}

/**
 * Markers for a chart (ECharts markLine data, x in seconds as src/metrics/charts.ts draws time):
 * one dashed line per moment, its caption on hover. The chart code adds these to its first series.
 */
export function momentMarkLine(moments: readonly Moment[]): { silent: false; symbol: 'none'; lineStyle: Record<string, unknown>; label: { show: false }; tooltip: { formatter: string }; data: Array<{ xAxis: number; name: string }> } {
  return {
    silent: false,
    symbol: 'none',
    lineStyle: { type: 'dotted', color: '#8e44ad', width: 1.5 },
    label: { show: false },
    tooltip: { formatter: '{b}' },
    data: moments.map((moment) => ({ xAxis: +(moment.atUs / 1e6).toFixed(3), name: moment.caption })),
  };
}

/** Where a moment sits on a scrubber of `durationUs`, as a percentage of its width. */
export function momentPercent(moment: Moment, durationUs: number): number {
  return durationUs <= 0 ? 0 : Math.max(0, Math.min(100, (moment.atUs / durationUs) * 100));
}

/**
 * The run's moments (issue 17): the preset's own and those found in the trace, live (as the Lab's
 * trace arrives) and for the replay (over its whole trace), for chart markers, scrubber marks and
 * the replay's "play the story", which plays and pauses at each moment with its caption.
 */
export const useMomentsStore = defineStore('moments', () => {
  const run = useRunStore();
  const replay = useReplayStore();
  const logs = useReplicaLogsStore();

  const declared = computed(() => declaredMoments(run.experiment?.moments));
  const live = computed(() => storyOf(declared.value, logs.liveMoments));
  const replayDetected = computed(() => (replay.index === null ? [] : detectMoments(replay.index.events)));
  /** The replay's story. A bundle from elsewhere has no preset here: only what the trace shows. */
  const story = computed(() => storyOf(replay.runId !== null && replay.runId === run.runId ? declared.value : [], replayDetected.value));

  /** Playing the story: the replay pauses at each moment; `current` is the moment it stopped at. */
  const storyPlaying = ref(false);
  const current = ref<number | null>(null);
  const currentMoment = computed(() => (current.value === null ? null : (story.value[current.value] ?? null)));

  /** Starts the story from the beginning (or resumes it after the moment it paused at). */
  function playStory(): void {
    if (replay.index === null) return;
    if (current.value === null) replay.seekPosition(0);
    storyPlaying.value = true;
    replay.play();
  }

  /** Goes on to the next moment. */
  function nextMoment(): void {
    playStory();
  }

  /** Jumps to moment `index` and stops there. */
  function seekMoment(index: number): void {
    const moment = story.value[index];
    if (moment === undefined) return;
    replay.pause();
    storyPlaying.value = false;
    current.value = index;
    replay.seekTime(moment.atUs);
  }

  function stopStory(): void {
    storyPlaying.value = false;
    current.value = null;
    replay.pause();
  }

  watch(
    () => replay.atUs,
    (atUs) => {
      if (!storyPlaying.value) return;
      const next = (current.value ?? -1) + 1;
      const moment = story.value[next];
      if (moment === undefined) {
        if (!replay.playing) storyPlaying.value = false;
        return;
      }
      if (atUs < moment.atUs) return;
      replay.pause();
      storyPlaying.value = false;
      current.value = next;
      replay.seekTime(moment.atUs);
    },
  );
  watch(
    () => replay.index,
    () => {
      storyPlaying.value = false;
      current.value = null;
    },
    // At once: a story of the new trace must not be cut short by a reset queued when it loaded.
    { flush: 'sync' },
  );

  return { declared, live, story, storyPlaying, current, currentMoment, playStory, nextMoment, seekMoment, stopStory };
});
