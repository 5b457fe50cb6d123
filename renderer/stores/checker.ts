import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { MetricsSeries } from '../../src/metrics/series';
import { bytesOfBase64, labHost, messageOf, textOfBase64 } from '../lab/labHost';
import { withViolationsFromCsv } from './liveSeries';
import { useRunStore } from './run';

import type { Counterexample } from '../../src/checker/linearizability';
export type { Counterexample, CounterexampleOperation } from '../../src/checker/linearizability';

/** The checker's report on the exported history (one line of `caplab check --json`). */
export interface CheckerReport {
  readonly verdict: 'linearizable' | 'not-linearizable' | 'unknown' | 'bad-input';
  readonly operations: number;
  readonly partitions: number;
  readonly elapsedMs: number;
  readonly counterexample: Counterexample | null;
  readonly error: string | null;
}

export function reportOf(raw: Record<string, unknown>): CheckerReport {
  if (raw.kind === 'bad-input') return { verdict: 'bad-input', operations: 0, partitions: 0, elapsedMs: 0, counterexample: null, error: String(raw.error) };
  const verdict = raw.verdict === 'linearizable' || raw.verdict === 'not-linearizable' ? raw.verdict : 'unknown';
  return {
    verdict,
    operations: Number(raw.operations ?? 0),
    partitions: Number(raw.partitions ?? 0),
    elapsedMs: Number(raw.elapsedMs ?? 0),
    counterexample: (raw.counterexample as Counterexample | undefined) ?? null,
    error: null,
  };
}

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
    exporting.value = true;
    error.value = null;
    try {
      const exported = await labHost().lab.exportRun({ runId: id });
      files.value = exported.files;
      exportedRunId.value = id;
      const csv = exported.files.find((file) => file.name === 'metrics.csv');
      finalSeries.value = csv === undefined ? null : withViolationsFromCsv(run.series, textOfBase64(csv.base64));
      return true;
    } catch (failure) {
      error.value = `Could not export the run: ${messageOf(failure)}`;
      return false;
    } finally {
      exporting.value = false;
    }
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

  /** Checks the exported history.json for linearizability (in the lab's checker pool, off the UI thread). */
  async function checkHistory(): Promise<CheckerReport | null> {
    if (!(await exportRun())) return null;
    const history = files.value.find((file) => file.name === 'history.json');
    if (history === undefined) {
      error.value = 'The export holds no history.json';
      return null;
    }
    checking.value = true;
    try {
      report.value = reportOf(await labHost().lab.checkHistory({ text: textOfBase64(history.base64), fileName: 'history.json', format: 'caplab-history' }));
      return report.value;
    } catch (failure) {
      error.value = `Could not check the history: ${messageOf(failure)}`;
      return null;
    } finally {
      checking.value = false;
    }
  }

  return { exportedRunId, files, exporting, checking, report, finalSeries, error, reset, exportRun, download, checkHistory };
});
