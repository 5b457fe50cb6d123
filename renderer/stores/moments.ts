import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { chartMomentsOf, detectMoments, presetMoments, provenFromSummary, storyOf, type ChartMoment, type Moment, type ProvenViolation } from '../../src/contract/engine';
import { useExperimentStore } from './experiment';
import { useReplayStore } from './replay';
import { useReplicaLogsStore } from './replicaLogs';
import { useRunStore } from './run';
import { useTraceStore } from './trace';

/** A preset's `moments` as the validated experiment carries them; anything else is none. */
export function declaredMoments(value: unknown): Moment[] {
  if (!Array.isArray(value)) return [];
  const valid = value.filter((moment): moment is { atMs: number; caption: string } => typeof moment === 'object' && moment !== null && typeof moment.atMs === 'number' && typeof moment.caption === 'string');
  return presetMoments(valid);
}

/** Where a moment sits on a scrubber of `durationUs`, as a percentage of its width. */
export function momentPercent(moment: Moment, durationUs: number): number {
  return durationUs <= 0 ? 0 : Math.max(0, Math.min(100, (moment.atUs / durationUs) * 100));
}

/**
 * Where a moment sits on the replay's scrubber, which runs over trace events (not time): the
 * position of the first event at or after its instant, as a percentage of `eventCount`.
 */
export function momentPositionPercent(position: number, eventCount: number): number {
  return eventCount <= 0 ? 0 : Math.max(0, Math.min(100, (position / eventCount) * 100));
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

  const experiments = useExperimentStore();
  const trace = useTraceStore();

  const declared = computed(() => declaredMoments(run.experiment?.moments));
  /**
   * The violations proven so far: the oracle's, from the summary, once the run ended; meanwhile the
   * reads the live detector proves stale from the history alone (renderer/stores/liveViolations.ts).
   */
  const liveProven = computed((): ProvenViolation[] =>
    run.summary !== null ? provenFromSummary(run.summary) : trace.staleReadEvidence.map((evidence) => ({ kind: 'stale-read' as const, operation: evidence.readOperation })),
  );
  const live = computed(() => {
    // A proven violation's instant comes from the operations the live trace saw: look again as it grows.
    if (liveProven.value.length > 0) void logs.liveVersion;
    return storyOf(declared.value, [...logs.liveMoments, ...logs.violationMoments(liveProven.value)]);
  });
  /** The live story as chart marks (the Lab's and the results' charts). */
  const liveChart = computed((): ChartMoment[] => chartMomentsOf(live.value));

  /** Whose replay this is: the run just ended (its preset and summary), an imported bundle (its own), or neither. */
  const replaySource = computed((): { declared: Moment[]; proven: ProvenViolation[] } => {
    if (replay.runId !== null && replay.runId === run.runId) return { declared: declared.value, proven: provenFromSummary(run.summary) };
    const imported = experiments.imported;
    if (replay.runId === null && imported !== null) return { declared: declaredMoments(imported.moments), proven: provenFromSummary(imported.summary) };
    return { declared: [], proven: [] };
  });
  const replayDetected = computed(() => (replay.index === null ? [] : detectMoments(replay.index.events, replaySource.value.proven)));
  /** The replay's story: the preset's moments (a bundle's own) and what the trace and the checks show. */
  const story = computed(() => storyOf(replaySource.value.declared, replayDetected.value));
  /** The replay's story as chart marks. */
  const storyChart = computed((): ChartMoment[] => chartMomentsOf(story.value));

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

  return { declared, live, liveChart, story, storyChart, storyPlaying, current, currentMoment, playStory, nextMoment, seekMoment, stopStory };
});
