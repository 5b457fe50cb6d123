import { HistoryFormatError } from './errors';
import { EventPairer, type ParsedHistory } from './parsed';
import { exactInteger, type RecordInput, type Value } from './record';

const linePattern = /^INFO\s+jepsen\.util\s+-\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*?))?\s*$/;

function parseInteger(text: string, line: number, what: string): number | bigint {
  if (!/^-?\d+$/.test(text)) throw new HistoryFormatError(`expected ${what} (an integer), found '${text}'`, line);
  return exactInteger(text);
}

/** A process id: an integer the file's own numbering can hold exactly. */
function parseProcess(text: string, line: number): number {
  const process = parseInteger(text, line, 'a process id');
  if (typeof process !== 'number') throw new HistoryFormatError(`expected a process id below 2^53, found '${text}'`, line);
  return process;
}

/** A value, exact however large (see `exactInteger`). */
function parseValue(text: string, line: number): Value {
  return text === 'nil' ? null : parseInteger(text, line, 'a value or nil');
}

function parseCasArgument(text: string, line: number): { from: Value; to: Value } {
  const match = /^\[\s*(\S+)\s+(\S+)\s*\]$/.exec(text);
  if (match === null) throw new HistoryFormatError(`expected a cas argument [from to], found '${text}'`, line);
  return { from: parseValue(match[1]!, line), to: parseValue(match[2]!, line) };
}

/**
 * Reads a Jepsen etcd log as Porcupine does (FORMATS.md F1): `:info` completions are not
 * read, so the invocation stays open and returns at +∞ (unknown outcome); a `:fail :read`
 * (timed out) returns at that line with an unknown result, which constrains nothing; a
 * `:fail :cas` is a cas that executed and found a different value. Time is the line number.
 */
export function readEtcdLog(text: string): ParsedHistory {
  const pairer = new EventPairer();
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '') return;
    const match = linePattern.exec(line);
    if (match === null) throw new HistoryFormatError(`expected 'INFO  jepsen.util - <process> <:invoke|:ok|:fail|:info> <:read|:write|:cas> <argument>', found '${line.slice(0, 80)}'`, lineNumber);
    const [, processText, type, f, argumentText = ''] = match;
    const clientId = parseProcess(processText!, lineNumber);
    if (f !== ':read' && f !== ':write' && f !== ':cas') throw new HistoryFormatError(`expected :read, :write or :cas, found '${f}'`, lineNumber);
    switch (type) {
      case ':invoke': {
        let input: RecordInput;
        if (f === ':read') input = { f: 'read', key: null };
        else if (f === ':write') input = { f: 'write', key: null, value: parseValue(argumentText, lineNumber) };
        else input = { f: 'cas', key: null, ...parseCasArgument(argumentText, lineNumber) };
        if (!pairer.invoke(clientId, lineNumber, input)) throw new HistoryFormatError(`process ${clientId} invokes while its previous operation is still open`, lineNumber);
        return;
      }
      case ':ok': {
        const pending = pairer.pending(clientId);
        if (pending === undefined) throw new HistoryFormatError(`:ok for process ${clientId}, which has no open invocation`, lineNumber);
        if (`:${pending.f}` !== f) throw new HistoryFormatError(`:ok ${f} completes an invocation of :${pending.f}`, lineNumber);
        const value = pending.f === 'read' ? parseValue(argumentText, lineNumber) : undefined;
        pairer.complete(clientId, lineNumber, value === undefined ? { type: 'ok' } : { type: 'ok', value });
        return;
      }
      case ':fail':
        if (!pairer.complete(clientId, lineNumber, { type: 'fail' })) throw new HistoryFormatError(`:fail for process ${clientId}, which has no open invocation`, lineNumber);
        return;
      case ':info':
        // Porcupine skips these lines: the invocation stays open until the end (unknown outcome).
        return;
      default:
        throw new HistoryFormatError(`expected :invoke, :ok, :fail or :info, found '${type}'`, lineNumber);
    }
  });
  return { format: 'etcd-log', operations: pairer.finish(), defaults: { model: 'cas-register', initial: null, semantics: 'etcd' } };
}
