import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { LabEvent, RunSummary } from '../../src/contract/lab';
import type { MetricsSeries } from '../../src/contract/engine';
import type { ProtocolName } from '../../src/contract/engine';
import { bytesOfBase64, labHost, messageOf } from '../lab/labHost';
import type { ChosenExperiment } from './experiment';
import { appendMetricsBatch, emptySeries } from './liveSeries';
import { useTraceStore } from './trace';
import { useReplicaLogsStore } from './replicaLogs';

export type RunStatus = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'ended';
export type Speed = number | 'max';
/** Where a run goes (ARCHITECTURE §3): the deterministic simulator, or live worker threads in real time. */
export type Runtime = 'sim' | 'threads';

/** The time scales a live run offers (lab ms per wall ms): it goes in real time, so there is no `max`. */
export const timeScaleChoices: readonly number[] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100];

/** The speeds the simulator offers: the same paces, and as fast as possible. */
export const speedChoices: readonly Speed[] = [...timeScaleChoices, 'max'];

/** The speeds the control offers for a runtime. */
export function speedChoicesFor(runtime: Runtime): readonly Speed[] {
  return runtime === 'threads' ? timeScaleChoices : speedChoices;
}

/** The speed a live run starts at when the one chosen was `max` (as `caplab run --runtime threads`). */
export const timeScaleInsteadOfMax = 1;

/** The run's summary as the lab reports it (ARCHITECTURE §11): the contract's type, the engine's own. */
export type { RunSummary } from '../../src/contract/lab';

/** A run that ended in this session, for the gallery's recent runs (the lab keeps its files for export). */
export interface RecentRun {
  readonly runId: string;
  readonly title: string;
  readonly protocol: string;
  readonly seed: number;
  readonly summary: RunSummary;
  /** What the user did during the run, in words with the lab time ("crash n2 at 7.1 s"). */
  readonly actions: readonly string[];
}

/** One thing the user did to a run, at a lab time. */
export interface UserAction {
  readonly atMs: number;
  readonly text: string;
}

/** A user's action in words with its instant: "crash n2 at 7.1 s". */
export const actionLine = (action: UserAction): string => `${action.text} at ${(action.atMs / 1000).toFixed(1)} s`;

/** As many as the lab service keeps ended runs for (main/service/labService.ts sessionsKeptMax). */
export const recentRunsMax = 8;

/** Live totals of the streamed windows. */
export interface LiveTotals {
  readonly ok: number;
  readonly fail: number;
  readonly info: number;
  readonly availability: number | null;
  readonly messagesSent: number;
}

export function totalsOf(series: MetricsSeries): LiveTotals {
  let ok = 0;
  let fail = 0;
  let info = 0;
  let messagesSent = 0;
  let offered = 0;
  let served = 0;
  for (const window of series.windows) {
    offered += window.offered ?? 0;
    served += window.served ?? 0;
    ok += window.ok;
    fail += window.fail;
    info += window.info;
    messagesSent += window.messagesSent;
  }
  // Availability as the summary defines it (ARCHITECTURE §5): answered within the timeout ÷ offered.
  return { ok, fail, info, availability: offered === 0 ? null : served / offered, messagesSent };
}

/** One run: start, pause/resume, stop, speed; the streamed metrics as a series; the summary at the end. */
export const useRunStore = defineStore('run', () => {
  const runId = ref<string | null>(null);
  const experiment = shallowRef<ChosenExperiment | null>(null);
  const nodes = shallowRef<readonly string[]>([]);
  const status = ref<RunStatus>('idle');
  const speed = ref<Speed>(1);
  const seed = ref(1);
  const protocol = ref<ProtocolName>('raft');
  const runtime = ref<Runtime>('sim');
  const nowMs = ref(0);
  /** Large and immutable: replaced wholesale on every batch, never deeply reactive. */
  const series = shallowRef<MetricsSeries>(emptySeries([]));
  const summary = shallowRef<RunSummary | null>(null);
  /** Newest first. */
  const recentRuns = shallowRef<readonly RecentRun[]>([]);
  /** The oracle's counts so far, streamed by the lab about twice a second (lost writes come at the end). */
  const liveViolations = shallowRef<LabEvent<'metrics'>['live'] | null>(null);
  const error = ref<string | null>(null);
  /** Browser mode: live batches of this run the lab dropped because this page did not keep up (the run and its export are whole). */
  const liveDropped = shallowRef<{ metricsBatches: number; traceBatches: number; traceEvents: number } | null>(null);
  const totals = computed(() => totalsOf(series.value));
  /** What the user did to this run (node actions, partitions, network, the CP/AP switch), oldest first. */
  const userActions = shallowRef<readonly UserAction[]>([]);
  let unsubscribe: Array<() => void> = [];

  const isActive = computed(() => status.value === 'running' || status.value === 'paused');

  /** Chooses the runtime of the next run; a live run has no `max` speed, so that becomes time scale 1. */
  function setRuntime(next: Runtime): void {
    if (isActive.value || status.value === 'starting') return;
    runtime.value = next;
    if (next === 'threads' && speed.value === 'max') speed.value = timeScaleInsteadOfMax;
  }

  /** Takes the seed and protocol of a newly chosen experiment as the defaults of its next run. */
  function prepare(chosen: ChosenExperiment): void {
    if (isActive.value) return;
    experiment.value = chosen;
    seed.value = chosen.seed;
    protocol.value = chosen.protocol;
  }

  /**
   * Forgets the run shown (its id, counters, series, summary, verdict and errors) and takes
   * `chosen` as the next one (none for a bundle, which goes to the replay): one run per screen.
   * Does nothing while a run goes (stop it first).
   */
  function reset(chosen: ChosenExperiment | null): void {
    if (isActive.value || status.value === 'starting' || status.value === 'stopping') return;
    unsubscribe.forEach((off) => off());
    unsubscribe = [];
    runId.value = null;
    nodes.value = [];
    status.value = 'idle';
    nowMs.value = 0;
    series.value = emptySeries([]);
    summary.value = null;
    liveViolations.value = null;
    liveDropped.value = null;
    userActions.value = [];
    error.value = null;
    experiment.value = null;
    if (chosen !== null) prepare(chosen);
  }

  function listen(): void {
    const lab = labHost().lab;
    unsubscribe.forEach((off) => off());
    unsubscribe = [
      lab.on('metrics', (batch) => {
        if (batch.runId !== runId.value) return;
        series.value = appendMetricsBatch(series.value, batch);
        nowMs.value = batch.nowMs;
        if (batch.live !== undefined) liveViolations.value = batch.live;
      }),
      lab.on('trace', (batch) => {
        if (batch.runId !== runId.value) return;
        useTraceStore().append(batch.events, batch.skipped, nodes.value);
        useReplicaLogsStore().append(batch.events, batch.skipped, nodes.value);
      }),
      lab.on('liveDropped', (notice) => {
        if (notice.runId !== runId.value) return;
        const before = liveDropped.value ?? { metricsBatches: 0, traceBatches: 0, traceEvents: 0 };
        liveDropped.value = { metricsBatches: before.metricsBatches + notice.metricsBatches, traceBatches: before.traceBatches + notice.traceBatches, traceEvents: before.traceEvents + notice.traceEvents };
      }),
      lab.on('runEnded', (event) => {
        if (event.runId === runId.value) ended(event.summary);
      }),
    ];
  }

  async function start(): Promise<boolean> {
    const chosen = experiment.value;
    if (chosen === null || isActive.value || status.value === 'starting') return false;
    status.value = 'starting';
    error.value = null;
    summary.value = null;
    liveViolations.value = null;
    liveDropped.value = null;
    userActions.value = [];
    useTraceStore().reset();
    useReplicaLogsStore().reset();
    listen();
    try {
      const started = await labHost().lab.startRun({ text: chosen.text, source: chosen.source, runtime: runtime.value, speed: speed.value, seed: seed.value, protocol: protocol.value });
      runId.value = started.runId;
      nodes.value = started.nodes;
      series.value = emptySeries(started.nodes);
      nowMs.value = 0;
      // The run may have ended already at speed max; runEnded then arrived for an id we did not know yet.
      if (status.value === 'starting') status.value = 'running';
      return true;
    } catch (failure) {
      status.value = 'idle';
      error.value = `Could not start the run: ${messageOf(failure)}`;
      return false;
    }
  }

  /** Keeps what the user did to the running run, said in the results and in recent runs. */
  function noteAction(text: string): void {
    if (isActive.value) userActions.value = [...userActions.value, { atMs: nowMs.value, text }];
  }

  async function act(action: () => Promise<unknown>, what: string): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (failure) {
      error.value = `Could not ${what}: ${messageOf(failure)}`;
      return false;
    }
  }

  async function pause(): Promise<void> {
    const id = runId.value;
    if (id === null || status.value !== 'running') return;
    if (await act(() => labHost().lab.pauseRun({ runId: id }), 'pause the run')) status.value = status.value === 'running' ? 'paused' : status.value;
  }

  async function resume(): Promise<void> {
    const id = runId.value;
    if (id === null || status.value !== 'paused') return;
    if (await act(() => labHost().lab.resumeRun({ runId: id }), 'resume the run')) status.value = status.value === 'paused' ? 'running' : status.value;
  }

  /** A paused simulated run goes `ms` of simulated time forward and stays paused. */
  async function step(ms: number): Promise<void> {
    const id = runId.value;
    if (id === null || status.value !== 'paused') return;
    await act(() => labHost().lab.stepRun({ runId: id, ms }), 'step the run');
  }

  async function togglePause(): Promise<void> {
    if (status.value === 'running') await pause();
    else if (status.value === 'paused') await resume();
  }

  async function stop(): Promise<void> {
    const id = runId.value;
    if (id === null || !isActive.value) return;
    status.value = 'stopping';
    try {
      ended((await labHost().lab.stopRun({ runId: id })).summary);
    } catch (failure) {
      error.value = `Could not stop the run: ${messageOf(failure)}`;
      status.value = 'running';
    }
  }

  async function setSpeed(next: Speed): Promise<void> {
    if (next === 'max' && runtime.value === 'threads') return; // the control never offers it; the lab would refuse it
    speed.value = next;
    const id = runId.value;
    if (id !== null && isActive.value) await act(() => labHost().lab.setSpeed({ runId: id, speed: next }), 'change the speed');
  }

  /** The run is over (it reached its end, or was stopped): keep its summary. */
  function ended(result: RunSummary): void {
    summary.value = result;
    status.value = 'ended';
    const id = runId.value;
    if (id !== null && !recentRuns.value.some((recent) => recent.runId === id)) {
      const entry: RecentRun = { runId: id, title: experiment.value?.title ?? id, protocol: protocol.value, seed: seed.value, summary: result, actions: userActions.value.map(actionLine) };
      recentRuns.value = [entry, ...recentRuns.value].slice(0, recentRunsMax);
    }
  }

  /** Downloads an ended run's bundle (a simulated run is replayed from its recorded actions; a live one's files are its own). */
  async function downloadBundle(id: string): Promise<boolean> {
    try {
      const { files } = await labHost().lab.exportRun({ runId: id });
      const bundle = files.find((file) => file.name === 'bundle.zip');
      if (bundle === undefined) throw new Error('the export has no bundle.zip');
      labHost().saveFile(`${id}-bundle.zip`, bytesOfBase64(bundle.base64));
      return true;
    } catch (failure) {
      error.value = `Could not export ${id}: ${messageOf(failure)}`;
      return false;
    }
  }

  /** What the polled run state says, for when an event was missed. */
  function observeState(state: { nowMs: number; done: boolean; paused: boolean; summary: RunSummary | null }): void {
    if (state.nowMs > nowMs.value) nowMs.value = state.nowMs;
    if (state.done && state.summary !== null && status.value !== 'ended') ended(state.summary);
    else if (status.value === 'running' && state.paused) status.value = 'paused';
    else if (status.value === 'paused' && !state.paused) status.value = 'running';
  }

  return { runId, experiment, nodes, status, speed, seed, protocol, runtime, setRuntime, nowMs, series, summary, recentRuns, userActions, noteAction, downloadBundle, liveViolations, liveDropped, error, totals, isActive, prepare, reset, start, pause, resume, step, togglePause, stop, setSpeed, ended, observeState };
});
