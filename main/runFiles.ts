import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { stringify as toYaml } from 'yaml';
import { writeCaplabHistory, writeJepsenEdn } from '../src/history/formats';
import type { HistoryDocument } from '../src/history/operation';
import type { TraceEvent } from '../src/history/trace';
import { type RunOptions, type RunResult, runExperiment } from '../src/experiment/run';
import type { Experiment } from '../src/experiment/schema';
import type { RunSummary } from '../src/experiment/summary';
import { chartBuilders } from '../src/metrics/charts';
import { metricsCsv } from '../src/metrics/csv';
import { AtomicLineWriter, writeFileAtomic } from './atomicWrite';
import { renderChartSvg, renderSvgToPng } from './chartRender';
import { parseExperiment } from './experimentFile';
import { reportHtml } from './report';

/** The `history.json` document of a run (DESIGN §9). */
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
  readonly folder: string;
  /** Writes one trace event as a line of trace.jsonl. */
  trace(event: TraceEvent): void;
  /** Ends trace.jsonl (it appears atomically) and writes every other file from the run's result. */
  finish(result: RunResult): void;
  /** Gives trace.jsonl up (the run was aborted): it is closed and never appears. */
  discard(): void;
}

/**
 * Starts the run folder of `run --out DIR` (DESIGN §9, §11) for a run of either runtime: writes
 * experiment.yaml and opens trace.jsonl, which the run streams into while it goes; `finish`
 * writes summary.json, history.json, history.edn, metrics.csv, charts/*.svg and *.png,
 * report.html, and bundle.zip holding all of them. Every file appears atomically.
 */
export function openRunFolder(experiment: Experiment, folder: string): RunFolder {
  writeFileAtomic(join(folder, 'experiment.yaml'), toYaml(experiment));
  const trace = new AtomicLineWriter(join(folder, 'trace.jsonl'));
  return {
    folder,
    trace: (event) => trace.line(JSON.stringify(event)),
    finish(result) {
      trace.close();
      writeRunFiles(experiment, folder, result);
    },
    discard: () => trace.discard(),
  };
}

/** Every file of a run folder but experiment.yaml and trace.jsonl, from the run's result. */
function writeRunFiles(experiment: Experiment, folder: string, result: RunResult): void {
  const history = historyDocument(result);
  writeFileAtomic(join(folder, 'history.json'), writeCaplabHistory(history));
  writeFileAtomic(join(folder, 'history.edn'), writeJepsenEdn(history));
  writeFileAtomic(join(folder, 'metrics.csv'), metricsCsv(result.metrics));
  const charts = chartBuilders.map(({ name, build }) => ({ name, svg: renderChartSvg(build(result.metrics)) }));
  for (const chart of charts) {
    writeFileAtomic(join(folder, 'charts', `${chart.name}.svg`), chart.svg);
    writeFileAtomic(join(folder, 'charts', `${chart.name}.png`), renderSvgToPng(chart.svg));
  }
  writeFileAtomic(join(folder, 'report.html'), reportHtml({ experiment, summary: result.summary, charts, violations: result.violations, linearizability: result.linearizability }));
  writeFileAtomic(join(folder, 'summary.json'), `${JSON.stringify(result.summary, null, 2)}\n`);
  writeFileAtomic(join(folder, bundleName), bundleFolder(folder));
}

/** Runs an experiment in the simulator and writes its run folder (see `openRunFolder`). */
export function runToFolder(experiment: Experiment, folder: string, options: RunOptions = {}): RunResult {
  const runFolder = openRunFolder(experiment, folder);
  const result = runExperiment(experiment, { ...options, trace: runFolder.trace });
  runFolder.finish(result);
  return result;
}

/** Every file of a run folder (the bundle itself excluded), by relative path. */
function folderFiles(folder: string, prefix = ''): string[] {
  return readdirSync(join(folder, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return folderFiles(folder, relative);
    return relative === bundleName || relative.includes('.tmp-') ? [] : [relative];
  });
}

/** One zip of a run folder. */
export function bundleFolder(folder: string): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const file of folderFiles(folder).sort()) files[file] = readFileSync(join(folder, file));
  return zipSync(files, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') });
}

/** A bundle that cannot be imported: the message names what is wrong. */
export class BundleError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** What an imported bundle holds, read and validated; nothing is written. */
export interface ImportedBundle {
  readonly experiment: Experiment;
  readonly summary: RunSummary;
  readonly traceLines: readonly string[];
  readonly files: readonly string[];
}

const bundleRequired = ['experiment.yaml', 'summary.json', 'trace.jsonl', 'history.json'];

/** Reads a bundle (zip bytes) and checks it is whole. */
export function readBundle(bytes: Uint8Array, source: string): ImportedBundle {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    throw new BundleError(`${source}: not a caplab bundle (not a readable zip: ${(error as Error).message})`);
  }
  const missing = bundleRequired.filter((name) => files[name] === undefined);
  if (missing.length > 0) throw new BundleError(`${source}: not a caplab bundle: missing ${missing.join(', ')}`);
  const experiment = parseExperiment(strFromU8(files['experiment.yaml'] as Uint8Array), `${source}!experiment.yaml`);
  let summary: RunSummary;
  try {
    summary = JSON.parse(strFromU8(files['summary.json'] as Uint8Array)) as RunSummary;
  } catch (error) {
    throw new BundleError(`${source}!summary.json: not valid JSON (${(error as Error).message})`);
  }
  if (typeof summary.traceSha256 !== 'string') throw new BundleError(`${source}!summary.json: no traceSha256`);
  const traceLines = strFromU8(files['trace.jsonl'] as Uint8Array).split('\n').filter((line) => line.length > 0);
  return { experiment, summary, traceLines, files: Object.keys(files).sort() };
}

/** The digest of a trace file's lines, as a run computes its `traceSha256` (each line and its newline). */
export function traceSha256OfLines(lines: readonly string[]): string {
  const hash = createHash('sha256');
  for (const line of lines) hash.update(`${line}\n`, 'utf8');
  return hash.digest('hex');
}

/** Reads a bundle file from disk. */
export function readBundleFile(path: string): ImportedBundle {
  if (!existsSync(path)) throw new BundleError(`${path}: no such file`);
  return readBundle(new Uint8Array(readFileSync(path)), path);
}

export { strToU8 };
