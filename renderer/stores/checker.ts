import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { MetricsSeries } from '../../src/contract/engine';
import { bytesOfBase64, labHost, messageOf, textOfBase64 } from '../lab/labHost';
import { withViolationsFromCsv } from './liveSeries';
import { useRunStore } from './run';

import type { Counterexample } from '../../src/contract/engine';
import type { LabResponse } from '../../src/contract/lab';
export type { Counterexample, CounterexampleOperation } from '../../src/contract/engine';

/** How often a long job's elapsed time is updated, ms. */
export const progressTickMs = 250;

/** The checker's report on the exported history (one line of `caplab check --json`). */
export interface CheckerReport {
  readonly verdict: 'linearizable' | 'not-linearizable' | 'unknown' | 'bad-input';
  readonly operations: number;
  readonly partitions: number;
  readonly elapsedMs: number;
  readonly counterexample: Counterexample | null;
  readonly error: string | null;
}

export function reportOf(raw: LabResponse<'checkHistory'>): CheckerReport {
  if (raw.kind === 'bad-input') return { verdict: 'bad-input', operations: 0, partitions: 0, elapsedMs: 0, counterexample: null, error: raw.error };
  const verdict = raw.verdict === 'linearizable' || raw.verdict === 'not-linearizable' ? raw.verdict : 'unknown';
  return { verdict, operations: raw.operations, partitions: raw.partitions, elapsedMs: raw.elapsedMs, counterexample: raw.counterexample ?? null, error: null };
}

/** The charts the lab can export one by one (contract `exportChart`). */
export const chartNames = ['throughput', 'latency', 'availability', 'violations', 'leader', 'commit-index', 'messages-per-link'] as const;
export type ChartName = (typeof chartNames)[number];

/** An exported file, kept so the user can download it again. */
export interface ExportedFile {
  readonly name: string;
  readonly base64: string;
}

/** Exporting a finished run and checking its history with the linearizability checker. */
export const useCheckerStore = defineStore('checker', () => {
  const exportedRunId = ref<string | null>(null);
  const files = shallowRef<readonly ExportedFile[]>([]);
  const exporting = ref(false);
  const checking = ref(false);
  const report = shallowRef<CheckerReport | null>(null);
  /** The run's series with the oracle's violations per window (from the exported metrics.csv). */
  const finalSeries = shallowRef<MetricsSeries | null>(null);
  const error = ref<string | null>(null);
  /** How long the export or check going has taken so far, ms (its progress line). */
  const elapsedMs = ref(0);
  const cancelRequested = ref(false);
  /** How far the export going got (0..1) and its stage, as the lab reports it (`exportProgress`). */
  const exportFraction = ref(0);
  const exportStage = ref('');
  /** How far the check going got, as the lab reports it (`checkProgress`): operations searched, of all. */
  const checkProgress = ref<{ operationsDone: number; operationsTotal: number } | null>(null);
  let exportAttempt = 0;
  let exportIdNext = 0;
  let currentExportId: string | null = null;
  let checkIdNext = 0;
  let currentCheckId: string | null = null;
  let stopElapsed: (() => void) | null = null;

  function reset(): void {
    exportedRunId.value = null;
    files.value = [];
    report.value = null;
    finalSeries.value = null;
    error.value = null;
  }

  /** Asks the lab for the run's files (it replays the run to write them) once per run. */
  async function exportRun(): Promise<boolean> {
    const run = useRunStore();
    const id = run.runId;
    if (id === null || run.status !== 'ended') {
      error.value = 'Stop the run (or let it end) before exporting it';
      return false;
    }
    if (exportedRunId.value === id) return true;
    const attempt = ++exportAttempt;
    exporting.value = true;
    error.value = null;
    exportFraction.value = 0;
    exportStage.value = 'starting';
    const exportId = `export-${++exportIdNext}`;
    currentExportId = exportId;
    const stopClock = startClock();
    const stopListening = labHost().lab.on('exportProgress', (progress) => {
      if (progress.exportId !== exportId) return;
      exportFraction.value = progress.fraction;
      exportStage.value = progress.stage;
    });
    try {
      const exported = await labHost().lab.exportRun({ runId: id, exportId });
      if (attempt !== exportAttempt) return false;
      if (exported.cancelled === true) {
        error.value = 'Export cancelled: the lab stopped its replay and kept nothing';
        return false;
      }
      files.value = exported.files;
      exportedRunId.value = id;
      const csv = exported.files.find((file) => file.name === 'metrics.csv');
      finalSeries.value = csv === undefined ? null : withViolationsFromCsv(run.series, textOfBase64(csv.base64));
      return true;
    } catch (failure) {
      if (attempt === exportAttempt) error.value = `Could not export the run: ${messageOf(failure)}`;
      return false;
    } finally {
      stopListening();
      if (currentExportId === exportId) currentExportId = null;
      if (attempt === exportAttempt) {
        exporting.value = false;
        stopClock();
      }
    }
  }

  /** Asks the lab to stop the export going: its replay worker stops, and the export answers cancelled. */
  async function cancelExport(): Promise<void> {
    const exportId = currentExportId;
    if (!exporting.value || exportId === null) return;
    try {
      await labHost().lab.cancelExport({ exportId });
    } catch (failure) {
      error.value = `Could not cancel the export: ${messageOf(failure)}`;
    }
  }

  /** Counts the seconds a long job has taken, for its progress line; returns the stop. */
  function startClock(): () => void {
    stopElapsed?.();
    elapsedMs.value = 0;
    const stop = labHost().every(progressTickMs, () => {
      elapsedMs.value += progressTickMs;
    });
    stopElapsed = stop;
    return () => {
      stop();
      if (stopElapsed === stop) stopElapsed = null;
    };
  }

  function download(name: string): boolean {
    const file = files.value.find((candidate) => candidate.name === name);
    if (file === undefined) {
      error.value = `There is no exported ${name}; export the run first`;
      return false;
    }
    labHost().saveFile(file.name, bytesOfBase64(file.base64));
    return true;
  }

  /** Downloads one chart of the ended run as SVG or PNG, rendered by the lab with the same builders. */
  async function downloadChart(chart: ChartName, format: 'svg' | 'png', theme: 'light' | 'dark'): Promise<boolean> {
    const runId = useRunStore().runId;
    if (runId === null) return false;
    try {
      const file = await labHost().lab.exportChart({ runId, chart, format, theme });
      labHost().saveFile(file.name, bytesOfBase64(file.base64));
      return true;
    } catch (failure) {
      error.value = `Could not export the ${chart} chart: ${messageOf(failure)}`;
      return false;
    }
  }

  /** Checks the exported history.json for linearizability (in the lab's checker pool, off the UI thread). */
  async function checkHistory(): Promise<CheckerReport | null> {
    if (!(await exportRun())) return null;
    const history = files.value.find((file) => file.name === 'history.json');
    if (history === undefined) {
      error.value = 'The export holds no history.json';
      return null;
    }
    checking.value = true;
    cancelRequested.value = false;
    const checkId = `check-${++checkIdNext}`;
    currentCheckId = checkId;
    checkProgress.value = null;
    const stopClock = startClock();
    const stopListening = labHost().lab.on('checkProgress', (progress) => {
      if (progress.checkId === checkId) checkProgress.value = { operationsDone: progress.operationsDone, operationsTotal: progress.operationsTotal };
    });
    try {
      const raw = await labHost().lab.checkHistory({ text: textOfBase64(history.base64), fileName: 'history.json', format: 'caplab-history', checkId });
      const decided = raw.kind === 'checked' && (raw.verdict === 'linearizable' || raw.verdict === 'not-linearizable');
      report.value = cancelRequested.value && !decided ? { ...reportOf(raw), verdict: 'unknown', error: 'cancelled before the search finished' } : reportOf(raw);
      return report.value;
    } catch (failure) {
      error.value = `Could not check the history: ${messageOf(failure)}`;
      return null;
    } finally {
      checking.value = false;
      currentCheckId = null;
      stopListening();
      stopClock();
    }
  }

  /** Asks the lab to stop the check going: its search returns `unknown` at its next look at the flag. */
  async function cancelCheck(): Promise<void> {
    const checkId = currentCheckId;
    if (checkId === null) return;
    cancelRequested.value = true;
    try {
      await labHost().lab.cancelCheck({ checkId });
    } catch (failure) {
      error.value = `Could not cancel the check: ${messageOf(failure)}`;
    }
  }

  return { exportedRunId, files, exporting, exportFraction, exportStage, checking, checkProgress, cancelRequested, elapsedMs, report, finalSeries, error, reset, exportRun, cancelExport, download, downloadChart, checkHistory, cancelCheck };
});
