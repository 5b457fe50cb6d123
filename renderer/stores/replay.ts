import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { MessageTimeline } from '../diagram/messageTimeline';
import { labHost, messageOf, textOfBase64 } from '../lab/labHost';
import { ReplayIndex, type ReplicaReplayState, parseTraceText } from '../replay/replayState';
import { type ReplayMessage, type ReplayPicture, ReplayScene, type StepKind } from '../replay/replayScene';
import { describeEvent } from './trace';
import { useCheckerStore } from './checker';
import { useRunStore } from './run';

/** How often playback advances, ms of wall time. */
export const replayFrameMs = 50;
/** Playback rates offered: µs of the run per second of wall time. */
export const replayRates: readonly number[] = [10_000, 100_000, 1_000_000, 5_000_000];
/** The window the space-time diagram shows around the replay's instant, µs on each side at first. */
export const replayWindowUsDefault = 20_000;

/** A step kind in words, for "no later … in this trace". */
export const stepWords: Record<StepKind, string> = { delivery: 'message delivery', election: 'election', commit: 'commit', violation: 'violation', fault: 'fault or node action' };

/**
 * Replaying a recorded run: its trace (the run just ended, exported by the lab; or an imported
 * bundle's), a position among its events, every replica's state at that instant, and the
 * messages around it for the space-time diagram. Scrub, step event by event, play and pause.
 */
export const useReplayStore = defineStore('replay', () => {
  const index = shallowRef<ReplayIndex | null>(null);
  /** Every message of the trace (the ring is sized to hold them all). */
  const timeline = shallowRef<MessageTimeline | null>(null);
  const label = ref('');
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** Events applied so far: 0 is before the first, `eventCount` after the last. */
  const position = ref(0);
  const playing = ref(false);
  const rateUsPerSecond = ref(replayRates[1] as number);
  /** The run this replay came from (null for an imported bundle). */
  const runId = ref<string | null>(null);
  /** The Lab's picture at every instant: cuts, CP/AP, messages in flight, clients, values. */
  const scene = shallowRef<ReplayScene | null>(null);
  /** The experiment's own consistency (cp, ap or the knobs), for the instants before any switch. */
  const initialConsistency = shallowRef<unknown>('cp');
  /** The message clicked for its story; null when none. */
  const selectedMessageId = ref<number | null>(null);
  /** Said when a step by kind finds nothing more that way. */
  const stepNote = ref<string | null>(null);
  let stopPlaying: (() => void) | null = null;

  const eventCount = computed(() => index.value?.eventCount ?? 0);
  const atUs = computed(() => index.value?.timeAt(position.value) ?? 0);
  const states = computed<readonly ReplicaReplayState[]>(() => index.value?.statesAt(position.value) ?? []);
  const picture = computed<ReplayPicture | null>(() => scene.value?.pictureAt(position.value) ?? null);
  const selectedMessage = computed<ReplayMessage | null>(() => (selectedMessageId.value === null ? null : (scene.value?.message(selectedMessageId.value) ?? null)));
  /** The event last applied, described as the log does. */
  const currentEvent = computed(() => {
    const event = index.value?.events[position.value - 1];
    return event === undefined ? null : { t: event.t, kind: event.kind, text: describeEvent(event) };
  });

  /** Loads a trace.jsonl text; returns whether it could be read. */
  function load(text: string, source: string, fromRun: string | null, consistency: unknown = 'cp'): boolean {
    pause();
    error.value = null;
    try {
      const events = parseTraceText(text);
      const built = new ReplayIndex(events);
      const sends = events.reduce((count, event) => count + (event.kind === 'send' ? 1 : 0), 0);
      const messages = new MessageTimeline(built.nodes, Math.max(1, sends));
      messages.observe(events);
      index.value = markRaw(built);
      timeline.value = markRaw(messages);
      scene.value = markRaw(new ReplayScene(events, built.nodes));
      initialConsistency.value = consistency;
      selectedMessageId.value = null;
      stepNote.value = null;
      label.value = source;
      runId.value = fromRun;
      position.value = 0;
      return true;
    } catch (failure) {
      error.value = `Could not read the trace of ${source}: ${messageOf(failure)}`;
      return false;
    }
  }

  /** Loads the run that just ended: the lab replays it to export its files, trace.jsonl among them. */
  async function loadRun(): Promise<boolean> {
    const checker = useCheckerStore();
    loading.value = true;
    try {
      if (!(await checker.exportRun())) {
        error.value = checker.error ?? 'Could not export the run';
        return false;
      }
      if (runId.value !== null && runId.value === checker.exportedRunId && index.value !== null) return true;
      const trace = checker.files.find((file) => file.name === 'trace.jsonl');
      if (trace === undefined) {
        error.value = 'The export holds no trace.jsonl';
        return false;
      }
      return load(textOfBase64(trace.base64), 'the run that just ended', checker.exportedRunId, useRunStore().experiment?.consistency ?? 'cp');
    } finally {
      loading.value = false;
    }
  }

  function seekPosition(next: number): void {
    position.value = Math.max(0, Math.min(eventCount.value, Math.round(next)));
  }

  /** Jumps to the instant `us` (every event at or before it applied). */
  function seekTime(us: number): void {
    if (index.value !== null) seekPosition(index.value.positionAt(us));
  }

  /** Jumps to when an operation was invoked; returns false when the trace does not hold it. */
  function seekOperation(operation: number): boolean {
    const invokedUs = index.value?.operationInvokedUs(operation) ?? null;
    if (invokedUs === null) {
      error.value = `The trace holds no operation ${operation}`;
      return false;
    }
    seekTime(invokedUs);
    return true;
  }

  function step(events: number): void {
    pause();
    stepNote.value = null;
    seekPosition(position.value + events);
  }

  /** Steps to just after the next (1) or previous (−1) event of a kind: a delivery, an election, a commit, a violation, a fault. */
  function stepBy(kind: StepKind, direction: 1 | -1): void {
    pause();
    const next = scene.value?.stepTo(position.value, kind, direction) ?? null;
    if (next === null) stepNote.value = `No ${direction === 1 ? 'later' : 'earlier'} ${stepWords[kind]} in this trace`;
    else {
      stepNote.value = null;
      seekPosition(next);
    }
  }

  /** Shows one message's story (null closes it). */
  function selectMessage(id: number | null): void {
    selectedMessageId.value = id;
  }

  function play(): void {
    if (index.value === null || playing.value) return;
    if (position.value >= eventCount.value) position.value = 0;
    playing.value = true;
    stopPlaying = labHost().every(replayFrameMs, () => {
      const replay = index.value;
      if (replay === null) return pause();
      const next = replay.positionAt(atUs.value + (rateUsPerSecond.value * replayFrameMs) / 1000);
      // At least one event per frame, so a long quiet stretch does not stall playback.
      seekPosition(Math.max(next, position.value + 1));
      if (position.value >= eventCount.value) pause();
    });
  }

  function pause(): void {
    stopPlaying?.();
    stopPlaying = null;
    playing.value = false;
  }

  function togglePlay(): void {
    if (playing.value) pause();
    else play();
  }

  function clear(): void {
    pause();
    index.value = null;
    timeline.value = null;
    scene.value = null;
    selectedMessageId.value = null;
    stepNote.value = null;
    position.value = 0;
    runId.value = null;
    label.value = '';
  }

  return {
    index, timeline, scene, label, loading, error, position, playing, rateUsPerSecond, runId, initialConsistency, selectedMessageId, stepNote,
    eventCount, atUs, states, picture, selectedMessage, currentEvent,
    load, loadRun, seekPosition, seekTime, seekOperation, step, stepBy, selectMessage, play, pause, togglePlay, clear,
  };
});
