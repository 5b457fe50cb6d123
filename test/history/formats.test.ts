import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { checkParsedHistory } from '../../src/checker/checkHistory';
import { prngStream } from '../../src/base/prng';
import { syntheticLabHistory } from '../../src/checker/synthetic';
import { readEdnForms } from '../../src/history/formats/edn';
import { detectFormat, HistoryFormatError, readHistory, writeCaplabHistory, writeJepsenEdn } from '../../src/history/formats/index';
import type { HistoryDocument } from '../../src/history/operation';

const errorOf = (action: () => unknown): HistoryFormatError => {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryFormatError);
    return error as HistoryFormatError;
  }
  throw new Error('expected a HistoryFormatError');
};

describe('EDN reader', () => {
  it('comments between maps, missing commas, multi-line maps, any key order', () => {
    const text = `; header\n[{:process 1, :type :invoke, :f :write, :value 3} ; trailing\n ; between\n {:type :ok\n  :value 3 :f :write\n  :process 1}]`;
    const history = readHistory(text, 'jepsen-edn');
    expect(history.operations).toHaveLength(1);
    expect(history.operations[0]!.input).toEqual({ f: 'write', key: null, value: 3 });
    expect(history.operations[0]!.output).toEqual({ type: 'ok' });
  });
  it('strings with brackets, #[ and escapes do not confuse the reader', () => {
    const [form] = readEdnForms('{:value "Cut off [:n3 #[:n4 :n5 :n1], \\"q\\" \\\\ ;not a comment"}');
    expect(form!.value).toMatchObject({ kind: 'map' });
    const value = (form!.value as unknown as { entries: [unknown, unknown][] }).entries[0]![1];
    expect(value).toBe('Cut off [:n3 #[:n4 :n5 :n1], "q" \\ ;not a comment');
  });
  it('lists, vectors, sets, nil/true/false, negative numbers, tagged and discarded forms', () => {
    const forms = readEdnForms('(1 -2 nil true) [false] #{:a} #_ {:ignored 1} #inst "2020" 3N');
    expect(forms.map((form) => (typeof form.value === 'object' && form.value !== null ? form.value.kind : form.value))).toEqual(['list', 'vector', 'set', 'tagged', 3]);
    expect(forms[0]!.value).toMatchObject({ items: [1, -2, null, true] });
  });
  it('a list of maps (rethink-style) reads like a vector', () => {
    const history = readHistory('({:process 0 :type :invoke :f :read :value nil}\n {:process 0 :type :ok :f :read :value 0})', 'jepsen-edn');
    expect(history.operations[0]!.output).toEqual({ type: 'ok', value: 0 });
  });
  it('nemesis :info events are ignored; :fail operations are dropped; unfinished invocations crash', () => {
    const text = [
      '[{:process :nemesis, :type :info, :f :start, :value nil}',
      ' {:process 1, :type :invoke, :f :cas, :value [0 1]}',
      ' {:process 1, :type :fail, :f :cas, :value [0 1]}',
      ' {:process 2, :type :invoke, :f :write, :value 5}',
      ' {:process 3, :type :info, :f :write, :value 7}',
      ' {:process :nemesis, :type :info, :f :stop, :value "fully connected"}',
      ' {:process 4, :type :invoke, :f :write, :value 6}',
      ' {:process 4, :type :info, :f :write, :value 6}]',
    ].join('\n');
    const history = readHistory(text, 'auto');
    expect(history.format).toBe('jepsen-edn');
    expect(history.operations.map((operation) => [operation.clientId, operation.input.f, operation.output.type, operation.return])).toEqual([
      [2, 'write', 'info', null],
      [4, 'write', 'info', null],
    ]);
  });
  it('bad input names line and column and what was expected', () => {
    expect(errorOf(() => readHistory('[{:process 1 :type :invoke :f :read :value nil}\n {:process 1 :type :ok', 'jepsen-edn')).message).toMatch(/^line 2, column 2: expected '}'/);
    expect(errorOf(() => readHistory('[{:process 1 :type :invoke}\n  {:process 2 :type :begin :f :read}]', 'jepsen-edn')).message).toMatch(/^line 1, column 2: expected :f/);
    expect(errorOf(() => readHistory('[{:process 1 :type :invoke :f :read}\n  {:process 2 :type :begin :f :read}]', 'jepsen-edn')).message).toMatch(/^line 2, column 3: expected :type/);
    expect(errorOf(() => readHistory('[{:a 1 :b}]', 'jepsen-edn')).message).toMatch(/^line 1, column 2: a map needs an even number/);
    expect(errorOf(() => readHistory('[{:value "open}]', 'jepsen-edn')).message).toMatch(/^line 1, column 10: expected '"'/);
    expect(errorOf(() => readHistory('[1 2]', 'jepsen-edn')).message).toMatch(/expected an operation map/);
    expect(errorOf(() => readHistory('{:process 1 :type :invoke :f :read}\n{:process 1 :type :invoke :f :read}', 'jepsen-edn')).message).toMatch(/^line 2, column 1: process 1 invokes while/);
  });
});

describe('etcd log and Porcupine kv readers', () => {
  it('tab and space separated etcd lines; :info lines leave the invocation open', () => {
    const text = ['INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2]', 'INFO  jepsen.util - 3   :invoke :write  0', 'INFO  jepsen.util - 0\t:fail\t:cas\t[1 2]', 'INFO  jepsen.util - 3\t:info\t:write\t:timed-out', ''].join('\n');
    const history = readHistory(text, 'auto');
    expect(history.format).toBe('etcd-log');
    expect(history.operations).toEqual([
      { id: 0, clientId: 0, call: 1, return: 3, input: { f: 'cas', key: null, from: 1, to: 2 }, output: { type: 'fail' } },
      { id: 1, clientId: 3, call: 2, return: null, input: { f: 'write', key: null, value: 0 }, output: { type: 'info' } },
    ]);
  });
  it('an empty etcd log is an empty history', () => {
    expect(readHistory('', 'auto', 'etcd_095.log').operations).toEqual([]);
  });
  it('bad etcd lines name the line', () => {
    expect(errorOf(() => readHistory('INFO  jepsen.util - 0\t:invoke\t:read\tnil\nWARN something', 'etcd-log')).message).toMatch(/^line 2: expected 'INFO {2}jepsen.util/);
    expect(errorOf(() => readHistory('INFO  jepsen.util - 0\t:ok\t:read\t1', 'etcd-log')).message).toMatch(/^line 1: :ok for process 0, which has no open invocation/);
  });
  it('Porcupine kv lines are detected and read with keys', () => {
    const text = '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}\n{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}\n{:process 4, :type :invoke, :f :get, :key "0", :value nil}\n{:process 4, :type :ok, :f :get, :key "0", :value "x 0 0 y"}\n';
    const history = readHistory(text, 'auto');
    expect(history.format).toBe('porcupine-kv');
    expect(history.defaults.model).toBe('kv');
    expect(history.operations[1]).toMatchObject({ input: { f: 'get', key: '0' }, output: { type: 'ok', value: 'x 0 0 y' } });
  });
  it('detects each format from content', () => {
    expect(detectFormat('; c\n[{:process 1}]')).toBe('jepsen-edn');
    expect(detectFormat('  { "format": "caplab-history/1" }')).toBe('caplab-history');
    expect(() => detectFormat('   ')).toThrow(/empty/);
  });
});

const document: HistoryDocument = {
  format: 'caplab-history/1',
  model: 'kv-cas-register',
  initial: null,
  operations: [
    { id: 0, clientId: 3, call: 1200, return: 1875, input: { f: 'write', key: 'k1', value: 'c3-17' }, output: { type: 'ok' } },
    { id: 1, clientId: 4, call: 1300, return: 1610, input: { f: 'read', key: 'k1' }, output: { type: 'ok', value: 'c3-17' } },
    { id: 2, clientId: 5, call: 1400, return: 2100, input: { f: 'cas', key: 'k2', from: 'c1-2', to: 'c5-9' }, output: { type: 'fail' } },
    { id: 3, clientId: 6, call: 1500, return: null, input: { f: 'write', key: 'k2', value: 'c6-4' }, output: { type: 'info' } },
    { id: 4, clientId: 6, call: 1600, return: 1700, input: { f: 'read', key: 'k2' }, output: { type: 'ok', value: null } },
    { id: 5, clientId: 7, call: 1610, return: 1900, input: { f: 'write', key: 'k1', value: 'has "quotes" [and] #[brackets]' }, output: { type: 'ok' } },
  ],
};

describe('writers round trip', () => {
  it('history.json: write, read back, same operations', () => {
    const history = readHistory(writeCaplabHistory(document), 'auto');
    expect(history.format).toBe('caplab-history');
    expect(history.operations).toEqual(document.operations);
  });
  it('history.edn: write, read back; reads learn their value on completion, info last, fresh process after a timeout', () => {
    const text = writeJepsenEdn(document);
    expect(text).toMatch(/^; caplab history/);
    expect(text).toContain('{:process 4, :type :invoke, :f :read, :key "k1", :value nil, :time 1300000}');
    const history = readHistory(text, 'auto');
    expect(history.format).toBe('jepsen-edn');
    const summary = history.operations.map((operation) => [operation.input, operation.output.type]);
    // The failed cas is dropped (Knossos: it did not happen); everything else survives.
    expect(summary).toEqual([
      [{ f: 'write', key: 'k1', value: 'c3-17' }, 'ok'],
      [{ f: 'read', key: 'k1' }, 'ok'],
      [{ f: 'write', key: 'k2', value: 'c6-4' }, 'info'],
      [{ f: 'read', key: 'k2' }, 'ok'],
      [{ f: 'write', key: 'k1', value: 'has "quotes" [and] #[brackets]' }, 'ok'],
    ]);
    expect(history.operations[1]!.output).toEqual({ type: 'ok', value: 'c3-17' });
  });
  it('a synthetic lab history gets the same verdict from history.json and history.edn', () => {
    const operations = syntheticLabHistory({ operationCount: 400, keyCount: 3, clientCount: 6, infoProbability: 0.05, durationMicrosecondsMax: 50 }, prngStream(3, 'round-trip'));
    const lab: HistoryDocument = { format: 'caplab-history/1', model: 'kv-cas-register', initial: null, operations };
    const options = { now: () => performance.now() };
    const fromJson = checkParsedHistory(readHistory(writeCaplabHistory(lab), 'auto'), {}, options);
    const fromEdn = checkParsedHistory(readHistory(writeJepsenEdn(lab), 'auto'), {}, options);
    expect(fromJson.verdict).toBe('linearizable');
    expect(fromEdn.verdict).toBe('linearizable');
    // A stale read breaks both.
    const broken = operations.map((operation) => (operation.input.f === 'read' && operation.output.type === 'ok' && operation.call > 1000 ? { ...operation, output: { type: 'ok' as const, value: 'c1-1' } } : operation));
    const brokenDocument = { ...lab, operations: broken };
    expect(checkParsedHistory(readHistory(writeCaplabHistory(brokenDocument), 'auto'), {}, options).verdict).toBe('not-linearizable');
    expect(checkParsedHistory(readHistory(writeJepsenEdn(brokenDocument), 'auto'), {}, options).verdict).toBe('not-linearizable');
  });
  it('history.json errors name the field and its line', () => {
    const text = writeCaplabHistory(document).replace('"f":"cas"', '"f":"swap"');
    expect(errorOf(() => readHistory(text, 'caplab-history')).message).toMatch(/^line 5: operations\[2\]\.input\.f: /);
    expect(errorOf(() => readHistory('{ "format": "caplab-history/1",\n  "model": ', 'caplab-history')).message).toMatch(/^line 2, column \d+: expected JSON/);
  });
});
