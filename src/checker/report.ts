import { CheckerInputError, type Counterexample, type Verdict } from './linearizability';
import { checkParsedHistory, checkParsedHistoryConsistency, type ConsistencyChoice } from './checkHistory';
import type { SequentialVerdict } from './sequential';
import type { ModelName } from './models';
import { HistoryFormatError } from '../history/formats/errors';
import { readHistory } from '../history/formats/index';
import type { FormatName } from '../history/formats/parsed';
import { exactInteger, type Value } from '../history/formats/record';
import type { UnknownReason } from './search';

/** A request to check one history file's text (plain data: it crosses to a worker thread). */
export interface CheckRequest {
  /** Shown in the report, and decides the format of an empty file. */
  readonly file: string;
  readonly text: string;
  readonly format: FormatName | 'auto';
  readonly model?: ModelName;
  /** `nil` or a value as typed by the user (`0`, `"c1-3"`); undefined: the format's default. */
  readonly initial?: string;
  readonly timeoutMs?: number;
  /** The consistency model to check against (`--consistency`); default linearizable. */
  readonly consistency?: ConsistencyChoice;
}

/** One line of `caplab check --json` (ARCHITECTURE §11). */
export type CheckReport =
  | {
      readonly kind: 'checked';
      readonly file: string;
      readonly format: FormatName;
      /** linearizable | not-linearizable, sequential | not-sequential, or holds | violated for a session guarantee; unknown for any. */
      readonly verdict: Verdict | SequentialVerdict | 'holds' | 'violated';
      /** The model checked against, when not linearizability. */
      readonly consistency?: ConsistencyChoice;
      readonly unknownReason?: UnknownReason;
      readonly model: string;
      readonly operations: number;
      readonly partitions: number;
      readonly elapsedMs: number;
      readonly counterexample?: Counterexample;
      /** For a session guarantee: the key and the operations that break it, in words. */
      readonly violation?: { readonly key: string; readonly operations: readonly number[]; readonly explanation: string };
    }
  | { readonly kind: 'bad-input'; readonly file: string; readonly error: string };

/**
 * The initial value as the user typed it: `nil` is absent; an integer is an integer for
 * histories of integers (etcd, Knossos) and a string for the lab's string registers; a quoted
 * text is always a string.
 */
export function parseInitialValue(text: string, valuesAreStrings: boolean): Value {
  if (text === 'nil' || text === 'null') return null;
  if (/^".*"$/.test(text)) return text.slice(1, -1);
  if (!valuesAreStrings && /^-?\d+$/.test(text)) return exactInteger(text);
  return text;
}

/** Reads and checks one history; a bad file or model mismatch becomes a `bad-input` report. */
export function checkHistoryText(request: CheckRequest, clock: { now: () => number; isCancelled?: () => boolean; onProgress?: (operationsDone: number, operationsTotal: number) => void }): CheckReport {
  try {
    const history = readHistory(request.text, request.format, request.file);
    const valuesAreStrings = history.defaults.semantics === 'lab' || (request.model ?? history.defaults.model).startsWith('kv');
    const initial = request.initial === undefined ? undefined : parseInitialValue(request.initial, valuesAreStrings);
    const options = { now: clock.now, isCancelled: clock.isCancelled, onProgress: clock.onProgress, timeoutMs: request.timeoutMs };
    if (request.consistency !== undefined && request.consistency !== 'linearizable') {
      const result = checkParsedHistoryConsistency(history, { model: request.model, initial, consistency: request.consistency }, options);
      return { kind: 'checked', file: request.file, format: history.format, consistency: request.consistency, ...result, elapsedMs: Math.round(result.elapsedMs * 1000) / 1000 };
    }
    const result = checkParsedHistory(history, { model: request.model, initial }, options);
    return {
      kind: 'checked',
      file: request.file,
      format: history.format,
      verdict: result.verdict,
      ...(result.unknownReason === undefined ? {} : { unknownReason: result.unknownReason }),
      model: result.model,
      operations: result.operations,
      partitions: result.partitions,
      elapsedMs: Math.round(result.elapsedMs * 1000) / 1000,
      ...(result.counterexample === undefined ? {} : { counterexample: result.counterexample }),
    };
  } catch (error) {
    if (error instanceof HistoryFormatError || error instanceof CheckerInputError) return { kind: 'bad-input', file: request.file, error: error.message };
    throw error;
  }
}

/** The exit code of one report: 0 the model holds (linearizable), 1 it does not, 3 unknown, 2 bad input (ARCHITECTURE §11). */
export function exitCodeOf(report: CheckReport): number {
  if (report.kind === 'bad-input') return 2;
  if (report.verdict === 'linearizable' || report.verdict === 'sequential' || report.verdict === 'holds') return 0;
  return report.verdict === 'unknown' ? 3 : 1;
}

/**
 * The worst of several exit codes: bad input, then not linearizable, then unknown, then
 * linearizable (a definite violation outranks a check that ran out of time).
 */
export function worstExitCode(codes: readonly number[]): number {
  const severity = [0, 2, 3, 1]; // by code: 0→0, 1→2, 2→3, 3→1
  return codes.reduce((worst, code) => (severity[code]! > severity[worst]! ? code : worst), 0);
}
