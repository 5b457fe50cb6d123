import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8 } from 'fflate';
import { stringify as toYaml } from 'yaml';
import { writeCaplabHistory, writeJepsenEdn } from '../src/history/formats';
import type { HistoryDocument } from '../src/history/operation';
import type { TraceEvent } from '../src/history/trace';
import { RunController, type RunOptions, type RunResult } from '../src/experiment/run';
import type { Experiment } from '../src/experiment/schema';
import { type ChartMoment, chartBuilders } from '../src/metrics/charts';
import { MomentDetector, chartMomentsOf, presetMoments, provenFromOracle, storyOf } from '../src/history/moments';
import { metricsCsv } from '../src/metrics/csv';
import { AtomicLineWriter } from './atomicWrite';
import { type BundleFile, packBundle } from './bundle';
import { renderChartSvg, renderSvgToPng } from './chartRender';
import { reportHtml } from './report';
import { stageRunFolder } from './runFolder';

/** The `history.json` document of a run (ARCHITECTURE §9). */
export function historyDocument(result: RunResult): HistoryDocument {
  return {
    format: 'caplab-history/1',
    model: 'kv-cas-register',
    initial: null,
    operations: result.operations.map(({ id, clientId, call, return: returned, input, output }) => ({ id, clientId, call, return: returned, input, output })),
  };
}

/** The file name of the bundle inside a run folder. */
export const bundleName = 'bundle.zip';

/** A run folder being written: experiment.yaml is there, and `trace` streams trace.jsonl. */
export interface RunFolder {
  /** The folder asked for; the files appear there only when `finish` succeeds. */
  readonly folder: string;
  /** Writes one trace event as a line of trace.jsonl. */
  trace(event: TraceEvent): void;
  /** Ends trace.jsonl, writes every other file from the run's result, and puts the folder in place. */
  finish(result: RunResult): void;
  /** Gives the run folder up (the run was aborted or failed): nothing appears, nothing is left. */
  discard(): void;
}

/**
 * Starts the run folder of `run --out DIR` (ARCHITECTURE §9, §11) for a run of either runtime, in a
 * fresh temporary folder beside DIR (main/runFolder.ts): writes experiment.yaml and opens
 * trace.jsonl, which the run streams into while it goes; `finish` writes summary.json,
 * history.json, history.edn, metrics.csv, charts/*.svg and *.png, report.html, and bundle.zip
 * holding exactly these files and their manifest, then renames the folder into place. Refuses
 * (RunFolderError) before anything is written when DIR may not be replaced. experiment.yaml
 * records `runtime`, the runtime the run had.
 */
export function openRunFolder(experimentAsRun: Experiment, folder: string, runtime: Experiment['runtime']): RunFolder {
  // The folder records the runtime the run had (a file may say threads and run in the simulator).
  const experiment: Experiment = { ...experimentAsRun, runtime };
  const staged = stageRunFolder(folder);
  const written: BundleFile[] = [];
  const write = (name: string, content: string | Uint8Array): void => {
    const bytes = typeof content === 'string' ? strToU8(content) : content;
    staged.write(name, bytes);
    written.push({ name, bytes });
  };
  let trace: AtomicLineWriter;
  try {
    write('experiment.yaml', toYaml(experiment));
    trace = new AtomicLineWriter(join(staged.staging, 'trace.jsonl'));
  } catch (error) {
    staged.discard();
    throw error;
  }
  let open = true;
  // The run's moments, found as the trace streams by, so the exported charts mark them as the app does.
  const moments = new MomentDetector();
  return {
    folder: staged.target,
    trace: (event) => {
      trace.line(JSON.stringify(event));
      moments.observe(event);
    },
    finish(result) {
      try {
        trace.close();
        open = false;
        written.push({ name: 'trace.jsonl', bytes: new Uint8Array(readFileSync(join(staged.staging, 'trace.jsonl'))) });
        const story = storyOf(presetMoments(experiment.moments), [...moments.moments, ...moments.violationMoments(provenFromOracle(result.violations))]);
        writeRunFiles(experiment, result, write, chartMomentsOf(story));
        staged.write(bundleName, packBundle(written));
        staged.commit();
      } catch (error) {
        if (open) trace.discard();
        staged.discard();
        throw error;
      }
    },
    discard() {
      if (open) trace.discard();
      open = false;
      staged.discard();
    },
  };
}

/** Every file of a run folder but experiment.yaml, trace.jsonl and the bundle, from the run's result. */
function writeRunFiles(experiment: Experiment, result: RunResult, write: (name: string, content: string | Uint8Array) => void, moments: readonly ChartMoment[]): void {
  const history = historyDocument(result);
  write('history.json', writeCaplabHistory(history));
  write('history.edn', writeJepsenEdn(history));
  write('metrics.csv', metricsCsv(result.metrics));
  const charts = chartBuilders.map(({ name, build }) => ({ name, svg: renderChartSvg(build(result.metrics, { theme: 'light', animation: false, moments })) }));
  for (const chart of charts) {
    write(`charts/${chart.name}.svg`, chart.svg);
    write(`charts/${chart.name}.png`, renderSvgToPng(chart.svg));
  }
  write('report.html', reportHtml({ experiment, summary: result.summary, charts, violations: result.violations, linearizability: result.linearizability, metrics: result.metrics, operations: result.operations }));
  write('summary.json', `${JSON.stringify(result.summary, null, 2)}\n`);
}

/** Simulated ms run between two looks at the event loop (so SIGINT and SIGTERM are heard). */
const runSliceMs = 1_000;

/**
 * Runs an experiment in the simulator and writes its run folder (see `openRunFolder`). The run
 * yields to the event loop every `runSliceMs` of simulated time, so a signal can stop it and
 * remove the temporary folder; a failure leaves nothing behind.
 */
export async function runToFolder(experiment: Experiment, folder: string, options: RunOptions = {}): Promise<RunResult> {
  const runFolder = openRunFolder(experiment, folder, 'sim');
  try {
    const controller = new RunController(experiment, { ...options, trace: runFolder.trace });
    while (!controller.done) {
      controller.advance(runSliceMs);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = controller.finish();
    runFolder.finish(result);
    return result;
  } catch (error) {
    runFolder.discard();
    throw error;
  }
}

export { strToU8 };
