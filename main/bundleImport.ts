import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { limits } from '../src/base/limits';
import type { Experiment } from '../src/experiment/schema';
import type { RunSummary } from '../src/experiment/summary';
import { readCaplabHistory, readCaplabTrace, writeCaplabHistory, writeJepsenEdn } from '../src/history/formats';
import { HistoryFormatError } from '../src/history/formats/errors';
import type { HistoryRecord } from '../src/history/formats/record';
import type { HistoryDocument, Operation } from '../src/history/operation';
import { traceFormat } from '../src/history/trace';
import { BundleError, sha256Hex, unpackBundle } from './bundle';
import { parseExperiment } from './experimentFile';
import { describeFileError } from './fileErrors';
import { protocolNames } from '../src/protocol/replica';

/**
 * Importing a run bundle (ARCHITECTURE §9): every file checked against the manifest (main/bundle.ts),
 * then each against the others: the trace against the summary's digest, its header against the
 * experiment, the history against the operations the trace records, history.edn against
 * history.json. A simulated run is then replayed and compared with the bundle's own trace
 * (`TraceComparison`); a live run cannot be replayed, so its checks end here. Both runtimes get
 * every check up to the replay: relabelling `runtime` skips nothing.
 */

export { BundleError };

/** What an imported bundle holds, read and cross-checked; nothing is written. */
export interface ImportedBundle {
  readonly experiment: Experiment;
  readonly summary: RunSummary;
  readonly traceLines: readonly string[];
  /** Every file of the bundle (the manifest not among them), sorted. */
  readonly files: readonly string[];
}

const requiredFiles = ['experiment.yaml', 'summary.json', 'trace.jsonl', 'history.json', 'history.edn'] as const;

const count = z.number().int().min(0);
/** The fields of summary.json an import relies on; the others are kept as they are. */
const summarySchema = z.looseObject({
  experiment: z.string(),
  protocol: z.enum(protocolNames),
  runtime: z.enum(['sim', 'threads']),
  seed: count,
  durationMs: z.number().min(0),
  ops: z.object({ ok: count, fail: count, info: count }),
  violations: z.record(z.string(), count),
  invariantsBroken: z.array(z.string()),
  expectations: z.array(z.looseObject({ expr: z.string(), holds: z.boolean() })),
  traceSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lower-case hex'),
  messages: z.looseObject({ sent: count, delivered: count, dropped: count, duplicated: count }),
});

function decode(bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BundleError(`${where}: not UTF-8 text`);
  }
}

function readSummary(text: string, where: string): RunSummary {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new BundleError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new BundleError(`${where}: must be the run's summary object, found ${document === null ? 'null' : Array.isArray(document) ? 'an array' : typeof document}`);
  const result = summarySchema.safeParse(document);
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    throw new BundleError(`${where}: ${issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.')}: ${issue.message}`);
  }
  return document as RunSummary;
}

/** The trace's lines, its header and end checked against the experiment. */
function readTraceLines(text: string, experiment: Experiment, where: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = parseLine(lines[0], 1, where);
  if (header?.kind !== 'header') throw new BundleError(`${where}: line 1: expected the trace header {"kind": "header", …}`);
  if (header.format !== traceFormat) {
    const version = typeof header.format === 'string' ? /^caplab-trace\/(\d+)$/.exec(header.format) : null;
    if (version !== null && Number(version[1]) > 1) throw new BundleError(`${where}: line 1: format ${header.format} is newer than this caplab reads (${traceFormat}); update caplab`);
    throw new BundleError(`${where}: line 1: format: expected "${traceFormat}", found ${JSON.stringify(header.format)}`);
  }
  for (const field of ['experiment', 'protocol', 'seed'] as const) {
    const expected = field === 'experiment' ? experiment.name : experiment[field];
    if (header[field] !== expected) throw new BundleError(`${where}: line 1: ${field} is ${JSON.stringify(header[field])}, but experiment.yaml says ${JSON.stringify(expected)}`);
  }
  const end = parseLine(lines.at(-1), lines.length, where);
  if (lines.length < 2 || end?.kind !== 'end') throw new BundleError(`${where}: has no end event on its last line (line ${lines.length}): the trace was cut short`);
  return lines;
}

function parseLine(line: string | undefined, number: number, where: string): Record<string, unknown> | null {
  if (line === undefined) return null;
  try {
    const event: unknown = JSON.parse(line);
    return typeof event === 'object' && event !== null && !Array.isArray(event) ? (event as Record<string, unknown>) : null;
  } catch {
    throw new BundleError(`${where}: line ${number}: not a JSON trace event`);
  }
}

/** Reads a history through `read`, naming the bundle's file in its error. */
function readHistory<T>(read: () => T, where: string): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof HistoryFormatError) throw new BundleError(`${where}: ${error.message}`);
    throw error;
  }
}

const operationText = (operation: Pick<HistoryRecord, 'clientId' | 'call' | 'return' | 'input' | 'output'>): string =>
  JSON.stringify([operation.clientId, operation.call, operation.return, operation.input, operation.output]);

/** Checks history.json against the trace's operations and history.edn against history.json. */
function checkHistories(files: ReadonlyMap<string, Uint8Array>, traceText: string, source: string): void {
  const fromTrace = readHistory(() => readCaplabTrace(traceText), `${source}!trace.jsonl`).operations;
  const historyText = decode(files.get('history.json') as Uint8Array, `${source}!history.json`);
  const history = readHistory(() => readCaplabHistory(historyText), `${source}!history.json`);
  if (history.operations.length !== fromTrace.length) throw new BundleError(`${source}!history.json: holds ${history.operations.length} operations, but trace.jsonl records ${fromTrace.length}`);
  history.operations.forEach((operation, index) => {
    if (operationText(operation) !== operationText(fromTrace[index] as HistoryRecord)) throw new BundleError(`${source}!history.json: operations[${index}] differs from the operation trace.jsonl records`);
  });
  const document: HistoryDocument = { format: 'caplab-history/1', model: 'kv-cas-register', initial: history.defaults.initial as string | null, operations: history.operations as readonly Operation[] };
  if (historyText !== writeCaplabHistory(document)) throw new BundleError(`${source}!history.json: is not as caplab writes it (same operations, different text)`);
  if (decode(files.get('history.edn') as Uint8Array, `${source}!history.edn`) !== writeJepsenEdn(document)) throw new BundleError(`${source}!history.edn: does not hold the operations of history.json`);
}

/** Reads a bundle (zip bytes), checks its manifest and every file against the others. */
export function readBundle(bytes: Uint8Array, source: string): ImportedBundle {
  const files = unpackBundle(bytes, source);
  const missing = requiredFiles.filter((name) => !files.has(name));
  if (missing.length > 0) throw new BundleError(`${source}: not a caplab bundle: missing ${missing.join(', ')}`);
  const experiment = parseExperiment(decode(files.get('experiment.yaml') as Uint8Array, `${source}!experiment.yaml`), `${source}!experiment.yaml`);
  const summary = readSummary(decode(files.get('summary.json') as Uint8Array, `${source}!summary.json`), `${source}!summary.json`);
  for (const [field, expected] of [['experiment', experiment.name], ['protocol', experiment.protocol], ['seed', experiment.seed], ['runtime', experiment.runtime]] as const) {
    if (summary[field] !== expected) throw new BundleError(`${source}!summary.json: ${field} is ${JSON.stringify(summary[field])}, but experiment.yaml says ${JSON.stringify(expected)}`);
  }
  const traceBytes = files.get('trace.jsonl') as Uint8Array;
  const traceDigest = sha256Hex(traceBytes);
  if (traceDigest !== summary.traceSha256) throw new BundleError(`${source}!trace.jsonl: its SHA-256 is ${traceDigest}, but summary.json records traceSha256 ${summary.traceSha256}`);
  const traceText = decode(traceBytes, `${source}!trace.jsonl`);
  const traceLines = readTraceLines(traceText, experiment, `${source}!trace.jsonl`);
  checkHistories(files, traceText, source);
  return { experiment, summary, traceLines, files: [...files.keys()].sort() };
}

/** Reads a bundle file from disk, its size checked before it is read. */
export function readBundleFile(path: string): ImportedBundle {
  let size: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR', syscall: 'stat' });
    size = stats.size;
  } catch (error) {
    throw new BundleError(describeFileError(error, path));
  }
  if (size > limits.bundleBytesMax) throw new BundleError(`${path}: ${(size / 1e6).toFixed(0)} MB; a bundle may be at most ${(limits.bundleBytesMax / 1e6).toFixed(0)} MB`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new BundleError(describeFileError(error, path));
  }
  return readBundle(bytes, path);
}

/** Where a replay's trace first differs from the bundle's, or null when they are the same. */
export interface TraceDifference {
  /** 1-based line of trace.jsonl. */
  readonly line: number;
  readonly bundle: string | null;
  readonly replay: string | null;
}

/** Compares a replay's trace, event by event as it runs, with the bundle's trace lines. */
export class TraceComparison {
  private index = 0;
  private difference: TraceDifference | null = null;

  constructor(private readonly lines: readonly string[]) {}

  /** The replay's next trace line. */
  readonly line = (text: string): void => {
    if (this.difference === null && this.lines[this.index] !== text) this.difference = { line: this.index + 1, bundle: this.lines[this.index] ?? null, replay: text };
    this.index++;
  };

  /** The first difference, once the replay has ended. */
  result(): TraceDifference | null {
    if (this.difference === null && this.index < this.lines.length) return { line: this.index + 1, bundle: this.lines[this.index] as string, replay: null };
    return this.difference;
  }
}

/** One sentence for a difference. */
export function describeTraceDifference(difference: TraceDifference): string {
  const clip = (text: string | null): string => (text === null ? '(nothing: the trace ended)' : text.length > 160 ? `${text.slice(0, 160)}…` : text);
  return `trace.jsonl line ${difference.line}: the bundle has ${clip(difference.bundle)}, the replay ${clip(difference.replay)}`;
}
