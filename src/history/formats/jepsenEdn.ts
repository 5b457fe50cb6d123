import type { HistoryDocument, Operation } from '../operation';
import { ednKeyword, isKeyword, mapGet, readEdnForms, writeEdn, type EdnMap, type EdnValue } from './edn';
import { HistoryFormatError, positionOf } from './errors';
import { EventPairer, type FormatName, type ParsedHistory } from './parsed';
import type { RecordInput, Value } from './record';

type OperationName = RecordInput['f'];
const operationNames: readonly OperationName[] = ['read', 'write', 'cas', 'get', 'put', 'append'];

/** The op maps of an EDN history: one vector or list of maps, or maps one after another. */
function operationMaps(text: string): EdnMap[] {
  const forms = readEdnForms(text);
  let values: EdnValue[] = forms.map((form) => form.value);
  const only = forms[0]?.value;
  if (forms.length === 1 && typeof only === 'object' && only !== null && (only.kind === 'vector' || only.kind === 'list')) values = [...only.items];
  return values.map((value, index) => {
    const unwrapped = typeof value === 'object' && value !== null && value.kind === 'tagged' ? value.value : value;
    if (typeof unwrapped === 'object' && unwrapped !== null && unwrapped.kind === 'map') return unwrapped;
    const offset = typeof value === 'object' && value !== null && 'offset' in value ? value.offset : (forms[index]?.offset ?? 0);
    const { line, column } = positionOf(text, offset);
    throw new HistoryFormatError(`expected an operation map {:process … :type … :f … :value …}, found ${writeEdn(value).slice(0, 60)}`, line, column);
  });
}

/**
 * Reads a Jepsen/Knossos EDN history (FORMATS.md F3, as `knossos.history/preprocess` does) or
 * a Porcupine kv log (F2, the same maps with `:key`). Only client operations count: events of
 * a non-integer process such as `:nemesis` are skipped, as Jepsen does before checking. An
 * `:ok` completion gives a read its value; a `:fail` deletes the operation (it did not happen);
 * an `:info` with an open invocation marks it crashed (may take effect at any point after its
 * call, or never), and one without is ignored; an invocation never completed is crashed too.
 * Time is the event's position in the file, which is the order Knossos checks.
 */
export function readEdnHistory(text: string, format: Extract<FormatName, 'jepsen-edn' | 'porcupine-kv'>): ParsedHistory {
  const maps = operationMaps(text);
  const pairer = new EventPairer();
  let sawKvOperation = false;
  let sawKey = false;
  maps.forEach((map, index) => {
    const fail = (message: string): never => {
      const { line, column } = positionOf(text, map.offset);
      throw new HistoryFormatError(message, line, column);
    };
    const process = mapGet(map, 'process');
    const type = mapGet(map, 'type');
    if (!isKeyword(type) || !['invoke', 'ok', 'fail', 'info'].includes(type.name)) fail(`expected :type :invoke, :ok, :fail or :info, found ${type === undefined ? 'nothing' : writeEdn(type)}`);
    const typeName = (type as { name: string }).name;
    if (typeof process === 'bigint') fail(`expected a :process below 2^53, found ${process}`);
    if (typeof process !== 'number' || !Number.isInteger(process)) {
      if (process === undefined) fail('expected a :process');
      return; // :nemesis and other non-client processes
    }
    const f = mapGet(map, 'f');
    const name = isKeyword(f) ? (f.name as OperationName) : undefined;
    if (name === undefined || !operationNames.includes(name)) {
      if (typeName === 'info' && pairer.pending(process) === undefined) return;
      return fail(`expected :f :read, :write, :cas, :get, :put or :append, found ${f === undefined ? 'nothing' : writeEdn(f)}`);
    }
    if (name === 'get' || name === 'put' || name === 'append') sawKvOperation = true;
    const keyValue = mapGet(map, 'key');
    if (keyValue !== undefined) sawKey = true;
    const key = keyValue === undefined || keyValue === null ? null : typeof keyValue === 'string' ? keyValue : writeEdn(keyValue);
    const value = mapGet(map, 'value') ?? null;
    const time = index + 1;
    switch (typeName) {
      case 'invoke':
        if (!pairer.invoke(process, time, toInput(name, key, value, fail))) fail(`process ${process} invokes while its previous operation is still open`);
        return;
      case 'ok': {
        const pending = pairer.pending(process);
        if (pending === undefined) return fail(`:ok for process ${process}, which has no open invocation`);
        if (pending.f !== name) return fail(`:ok :${name} completes an invocation of :${pending.f}`);
        if (name === 'read' || name === 'get') {
          pairer.complete(process, time, { type: 'ok', value: toValue(value, fail) });
        } else {
          pairer.complete(process, time, { type: 'ok' }, toInput(name, key, value, fail));
        }
        return;
      }
      case 'fail':
        if (!pairer.discard(process)) fail(`:fail for process ${process}, which has no open invocation`);
        return;
      case 'info':
        pairer.complete(process, null, { type: 'info' });
        return;
    }
  });
  const kv = format === 'porcupine-kv' || sawKvOperation;
  return {
    format,
    operations: pairer.finish(),
    defaults: kv ? { model: 'kv', initial: '', semantics: 'knossos' } : { model: sawKey ? 'kv-cas-register' : 'cas-register', initial: sawKey ? null : 0, semantics: 'knossos' },
  };
}

function toValue(value: EdnValue, fail: (message: string) => never): Value {
  if (value === null || typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint') return value;
  return fail(`expected a value (an integer, a string or nil), found ${writeEdn(value)}`);
}

function toString(value: EdnValue, fail: (message: string) => never): string {
  if (typeof value === 'string') return value;
  return fail(`expected a string value, found ${writeEdn(value)}`);
}

function toInput(name: OperationName, key: string | null, value: EdnValue, fail: (message: string) => never): RecordInput {
  switch (name) {
    case 'read':
    case 'get':
      return { f: name, key };
    case 'write':
      return { f: 'write', key, value: toValue(value, fail) };
    case 'put':
    case 'append':
      return { f: name, key, value: toString(value, fail) };
    case 'cas': {
      if (typeof value !== 'object' || value === null || value.kind !== 'vector' || value.items.length !== 2) return fail(`expected a cas value [from to], found ${writeEdn(value)}`);
      return { f: 'cas', key, from: toValue(value.items[0]!, fail), to: toValue(value.items[1]!, fail) };
    }
  }
}

/**
 * Writes a lab history as Jepsen EDN (`history.edn`), so Knossos can check it: a vector of op
 * maps, one per line, in time order (calls before returns at equal times, matching the lab's
 * checker), with `:time` in ns. Reads are invoked with nil and learn their value on
 * completion; cas values are `[from to]`; a `:fail` means not applied. A client whose
 * operation timed out (`info`) continues under a fresh process id, as Jepsen retires a
 * crashed process; the `:info` completions come last, since the lab never saw them return.
 */
export function writeJepsenEdn(document: HistoryDocument): string {
  const events: { time: number; isCall: boolean; id: number; text: string }[] = [];
  // A Jepsen process has at most one open invocation, and one that crashed never invokes
  // again: a client whose previous operation is still open (or timed out) continues under a
  // fresh process id.
  const processOf = new Map<number, { process: number; busyUntil: number | null }>();
  let nextProcess = document.operations.reduce((most, operation) => Math.max(most, operation.clientId), 0) + 1;
  const sorted = [...document.operations].sort((left, right) => left.call - right.call || left.id - right.id);
  const infos: string[] = [];
  for (const operation of sorted) {
    const previous = processOf.get(operation.clientId);
    const stillOpen = previous !== undefined && (previous.busyUntil === null || previous.busyUntil >= operation.call);
    const process = previous === undefined ? operation.clientId : stillOpen ? nextProcess++ : previous.process;
    const unknown = operation.output.type === 'info' || operation.return === null;
    processOf.set(operation.clientId, { process, busyUntil: unknown ? null : operation.return });
    const invokeValue = operation.input.f === 'read' ? null : valueOf(operation.input);
    const map = (type: string, value: EdnValue, timeMicroseconds: number | null): string => {
      const entries: (readonly [EdnValue, EdnValue])[] = [
        [ednKeyword('process'), process],
        [ednKeyword('type'), ednKeyword(type)],
        [ednKeyword('f'), ednKeyword(operation.input.f)],
        [ednKeyword('key'), operation.input.key],
        [ednKeyword('value'), value],
      ];
      if (timeMicroseconds !== null) entries.push([ednKeyword('time'), timeMicroseconds * 1000]);
      return writeEdn({ kind: 'map', entries, offset: 0 });
    };
    events.push({ time: operation.call, isCall: true, id: operation.id, text: map('invoke', invokeValue, operation.call) });
    if (unknown || operation.return === null) {
      infos.push(map('info', invokeValue, null));
      continue;
    }
    const completionValue = operation.input.f === 'read' && operation.output.type === 'ok' ? (operation.output.value ?? null) : invokeValue;
    events.push({ time: operation.return, isCall: false, id: operation.id, text: map(operation.output.type, completionValue, operation.return) });
  }
  events.sort((left, right) => left.time - right.time || Number(right.isCall) - Number(left.isCall) || left.id - right.id);
  const lines = [...events.map((event) => event.text), ...infos];
  const header = [
    `; caplab history (${document.format}), model ${document.model}, initial ${writeEdn(document.initial)}.`,
    '; Knossos: check each :key separately with (cas-register ' + writeEdn(document.initial) + '); reads are invoked with nil and learn',
    '; their value on completion; :fail means the operation was not applied; :info means unknown.',
  ];
  return `${header.join('\n')}\n[${lines.join('\n ')}]\n`;
}

function valueOf(input: Operation['input']): EdnValue {
  switch (input.f) {
    case 'read':
      return null;
    case 'write':
      return input.value;
    case 'cas':
      return { kind: 'vector', items: [input.from, input.to], offset: 0 };
  }
}
