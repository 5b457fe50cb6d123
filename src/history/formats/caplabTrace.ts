import type { OperationInput, OperationOutput } from '../operation';
import { traceFormat } from '../trace';
import { HistoryFormatError } from './errors';
import type { ParsedHistory } from './parsed';
import type { HistoryRecord } from './record';

/** A JSON object read from one line, as the validators see it. */
type JsonObject = Readonly<Record<string, unknown>>;

/** An invocation whose completion has not been read yet. */
interface OpenInvocation {
  readonly line: number;
  readonly clientId: number;
  readonly call: number;
  readonly input: OperationInput;
}

const describeJson = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A whole number ≥ 0 that JSON numbers hold exactly (below 2^53): a larger one was already rounded. */
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Reads `input` of an `invoke` event: the lab's read / write / cas (src/history/operation.ts). */
function readInput(value: unknown, fail: (message: string) => never): OperationInput {
  if (!isObject(value)) return fail(`expected "input" to be an object {"f": …, "key": …}, found ${describeJson(value)}`);
  const { f, key } = value;
  if (typeof key !== 'string') return fail(`expected "input.key" to be a string, found ${describeJson(key)}`);
  const fields = Object.keys(value);
  const onlyFields = (allowed: readonly string[]): void => {
    const extra = fields.find((field) => !allowed.includes(field));
    if (extra !== undefined) fail(`"input" of a ${String(f)} has no field "${extra}" (expected ${allowed.map((name) => `"${name}"`).join(', ')})`);
  };
  switch (f) {
    case 'read':
      onlyFields(['f', 'key']);
      return { f, key };
    case 'write':
      onlyFields(['f', 'key', 'value']);
      if (typeof value.value !== 'string') return fail(`expected "input.value" of a write to be a string, found ${describeJson(value.value)}`);
      return { f, key, value: value.value };
    case 'cas':
      onlyFields(['f', 'key', 'from', 'to']);
      if (typeof value.from !== 'string' && value.from !== null) return fail(`expected "input.from" of a cas to be a string or null, found ${describeJson(value.from)}`);
      if (typeof value.to !== 'string') return fail(`expected "input.to" of a cas to be a string, found ${describeJson(value.to)}`);
      return { f, key, from: value.from, to: value.to };
    default:
      return fail(`expected "input.f" to be "read", "write" or "cas", found ${describeJson(f)}`);
  }
}

/** Reads `output` of a `complete` event; a value belongs to an `ok` read only. */
function readOutput(value: unknown, input: OperationInput, fail: (message: string) => never): OperationOutput {
  if (!isObject(value)) return fail(`expected "output" to be an object {"type": "ok" | "fail" | "info"}, found ${describeJson(value)}`);
  const fields = Object.keys(value);
  switch (value.type) {
    case 'ok':
      if (input.f === 'read') {
        if (!('value' in value)) return fail('expected "output.value" on the ok of a read (null when the key was never written)');
        if (typeof value.value !== 'string' && value.value !== null) return fail(`expected "output.value" to be a string or null, found ${describeJson(value.value)}`);
        if (fields.length !== 2) return fail(`"output" of an ok read has only "type" and "value", found ${fields.map((field) => `"${field}"`).join(', ')}`);
        return { type: 'ok', value: value.value };
      }
      if (fields.length !== 1) return fail(`"output" of an ok ${input.f} has only "type", found ${fields.map((field) => `"${field}"`).join(', ')}`);
      return { type: 'ok' };
    case 'fail':
    case 'info':
      if (fields.length !== 1) return fail(`"output" of a ${value.type} has only "type", found ${fields.map((field) => `"${field}"`).join(', ')}`);
      return { type: value.type };
    default:
      return fail(`expected "output.type" to be "ok", "fail" or "info", found ${describeJson(value.type)}`);
  }
}

/**
 * Reads the lab's own `trace.jsonl` (ARCHITECTURE §9, src/history/trace.ts) as a history: the first
 * line is a `header` naming `caplab-trace/1`; `invoke` and `complete` events carry the
 * operations and every other event (messages, roles, faults …) is skipped, though each line
 * must still be a JSON object with a time and a kind, so a damaged trace is refused rather
 * than half read. A `complete` with an `info` output, and an `invoke` that never completes
 * (a trace cut short while the run went on), are operations with unknown outcome: they may
 * take effect at any point after their call, or never (Jepsen's `:info`). A `fail` means not
 * applied, as in the lab's history.json. Operations are numbered in invocation order.
 */
export function readCaplabTrace(text: string): ParsedHistory {
  const open = new Map<number, OpenInvocation>();
  const byOperation = new Map<number, HistoryRecord>();
  const invocationOrder: number[] = [];
  let sawHeader = false;
  let lineNumber = 0;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    lineNumber++;
    const line = text.slice(lineStart, lineEnd).trim();
    lineStart = lineEnd + 1;
    if (line === '') continue;
    const fail = (message: string): never => {
      throw new HistoryFormatError(message, lineNumber);
    };
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (error) {
      throw new HistoryFormatError(`expected one JSON trace event per line: ${(error as Error).message.replace(/ in JSON at position \d+.*$/, '')}`, lineNumber);
    }
    if (!isObject(event)) return fail(`expected a JSON object {"t": …, "kind": …}, found ${describeJson(event)}`);
    const { t: time, kind } = event;
    if (typeof kind !== 'string') return fail(`expected "kind" to be a string, found ${describeJson(kind)}`);
    if (!isCount(time)) return fail(`expected "t" to be a non-negative integer (µs of true time), found ${describeJson(time)}`);
    if (!sawHeader) {
      if (kind !== 'header') return fail(`expected the first event to be the header {"kind": "header", "format": "${traceFormat}", …}, found kind "${kind}"`);
      if (event.format !== traceFormat) return fail(`expected format "${traceFormat}", found ${describeJson(event.format)} (this reader knows only ${traceFormat})`);
      sawHeader = true;
      continue;
    }
    switch (kind) {
      case 'header':
        return fail('a second header: a trace has one, on its first line (are two traces concatenated?)');
      case 'invoke': {
        const { op, client } = event;
        if (!isCount(op)) return fail(`expected "op" to be a non-negative integer, found ${describeJson(op)}`);
        if (!isCount(client)) return fail(`expected "client" to be a non-negative integer, found ${describeJson(client)}`);
        if (open.has(op) || byOperation.has(op)) return fail(`operation ${op} is invoked a second time`);
        open.set(op, { line: lineNumber, clientId: client, call: time, input: readInput(event.input, fail) });
        invocationOrder.push(op);
        break;
      }
      case 'complete': {
        const { op, client } = event;
        if (!isCount(op)) return fail(`expected "op" to be a non-negative integer, found ${describeJson(op)}`);
        const invocation = open.get(op);
        if (invocation === undefined) return fail(byOperation.has(op) ? `operation ${op} completes a second time` : `operation ${op} completes but was never invoked`);
        if (client !== invocation.clientId) return fail(`operation ${op} was invoked by client ${invocation.clientId} (line ${invocation.line}) but completes for client ${describeJson(client)}`);
        if (time < invocation.call) return fail(`operation ${op} completes at t ${time}, before its invocation at t ${invocation.call} (line ${invocation.line})`);
        const output = readOutput(event.output, invocation.input, fail);
        open.delete(op);
        byOperation.set(op, { id: 0, clientId: invocation.clientId, call: invocation.call, return: output.type === 'info' ? null : time, input: invocation.input, output });
        break;
      }
      default:
        // Messages, roles, commits, faults, invariants …: not part of the client history.
        break;
    }
  }
  if (!sawHeader) throw new HistoryFormatError(`the trace is empty; expected a first line {"kind": "header", "format": "${traceFormat}", …}`);
  const operations: HistoryRecord[] = invocationOrder.map((op, id) => {
    const done = byOperation.get(op);
    if (done !== undefined) return { ...done, id };
    const invocation = open.get(op)!;
    return { id, clientId: invocation.clientId, call: invocation.call, return: null, input: invocation.input, output: { type: 'info' } };
  });
  return { format: 'caplab-trace', operations, defaults: { model: 'kv-cas-register', initial: null, semantics: 'lab' } };
}
