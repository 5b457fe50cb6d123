import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../main/experimentFile';
import { checkParsedHistory } from '../../src/checker/checkHistory';
import { runExperiment } from '../../src/experiment/run';
import { detectFormat, HistoryFormatError, readHistory } from '../../src/history/formats/index';
import type { TraceEvent } from '../../src/history/trace';
import { nodeRunOptions } from '../../workers/runOptions';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
const clock = { now: () => performance.now() };

const errorOf = (text: string): HistoryFormatError => {
  try {
    readHistory(text, 'caplab-trace');
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryFormatError);
    return error as HistoryFormatError;
  }
  throw new Error('expected a HistoryFormatError');
};

const header = '{"t":0,"kind":"header","format":"caplab-trace/1","experiment":"x","protocol":"raft","seed":1,"nodes":["n1"]}';
const lines = (...events: string[]): string => [header, ...events].join('\n') + '\n';
const invoke = (op: number, client: number, t: number, input: string): string => `{"t":${t},"kind":"invoke","op":${op},"client":${client},"node":"n1","input":${input}}`;
const complete = (op: number, client: number, t: number, output: string): string => `{"t":${t},"kind":"complete","op":${op},"client":${client},"output":${output}}`;

/** Runs an experiment in the simulator and returns its trace.jsonl text, as `run --out` writes it. */
function traceOf(yaml: string): { text: string; result: ReturnType<typeof runExperiment> } {
  const events: string[] = [];
  const result = runExperiment(parseExperiment(yaml, 'test.yaml'), { ...nodeRunOptions(), trace: (event: TraceEvent) => events.push(JSON.stringify(event)) });
  return { text: `${events.join('\n')}\n`, result };
}

describe('caplab-trace reader (trace.jsonl, ARCHITECTURE §9)', () => {
  it('reads a lab-made trace: operations from invoke/complete, everything else skipped, detected from content', () => {
    const text = fixture('stale-reads.trace.jsonl');
    expect(detectFormat(text)).toBe('caplab-trace');
    const history = readHistory(text, 'auto');
    expect(history.format).toBe('caplab-trace');
    expect(history.defaults).toEqual({ model: 'kv-cas-register', initial: null, semantics: 'lab' });
    expect(history.operations).toHaveLength(26);
    expect(history.operations.map((operation) => operation.id)).toEqual([...Array(26).keys()]);
    const unknown = history.operations.filter((operation) => operation.output.type === 'info');
    expect(unknown).toHaveLength(4);
    expect(unknown.every((operation) => operation.return === null)).toBe(true);
    for (const operation of history.operations) if (operation.return !== null) expect(operation.return).toBeGreaterThanOrEqual(operation.call);
  });

  it('the lab-made stale-read trace is not linearizable, and says which read cannot be placed', () => {
    const result = checkParsedHistory(readHistory(fixture('stale-reads.trace.jsonl'), 'auto'), {}, clock);
    expect(result.verdict).toBe('not-linearizable');
    const example = result.counterexample!;
    expect(example.partition).toBe('k1');
    expect(example.blocked?.description).toMatch(/^k1: read /);
    expect(example.explanation).toMatch(/^read .*, but the register holds /);
  });

  it('a fresh CP run: the trace gives exactly the operations the run recorded, and they are linearizable', () => {
    const yaml = fixture('stale-reads.yaml').replace(/^consistency: .*$/m, 'consistency: cp').replace(/mix: .*$/m, 'mix: { read: 0.4, write: 0.4, cas: 0.2 }');
    const { text, result } = traceOf(yaml);
    const history = readHistory(text, 'auto');
    const recorded = result.operations.map(({ id, clientId, call, return: returned, input, output }) => ({ id, clientId, call, return: returned, input, output }));
    expect(history.operations).toEqual(recorded);
    expect(recorded.some((operation) => operation.input.f === 'cas')).toBe(true);
    expect(checkParsedHistory(history, {}, clock).verdict).toBe('linearizable');
  });

  it('a fresh run with local reads: the trace\'s verdict agrees with the run\'s own end-of-run check', () => {
    const { text, result } = traceOf(fixture('stale-reads.yaml'));
    const verdict = checkParsedHistory(readHistory(text, 'auto'), {}, clock).verdict;
    expect(result.summary.violations.staleRead).toBeGreaterThan(0);
    expect(verdict).toBe((result.summary.violations.linearizability ?? 0) > 0 ? 'not-linearizable' : 'linearizable');
  });

  it('an invocation never completed (a trace cut short) is an operation of unknown outcome', () => {
    const text = lines(invoke(0, 1, 10, '{"f":"write","key":"k","value":"a"}'), invoke(1, 2, 20, '{"f":"read","key":"k"}'), complete(1, 2, 30, '{"type":"ok","value":"a"}'));
    const history = readHistory(text, 'caplab-trace');
    expect(history.operations).toEqual([
      { id: 0, clientId: 1, call: 10, return: null, input: { f: 'write', key: 'k', value: 'a' }, output: { type: 'info' } },
      { id: 1, clientId: 2, call: 20, return: 30, input: { f: 'read', key: 'k' }, output: { type: 'ok', value: 'a' } },
    ]);
    // The write may have taken effect: the read of "a" is explained.
    expect(checkParsedHistory(history, {}, clock).verdict).toBe('linearizable');
  });

  it('operations are numbered in invocation order, whatever their op numbers; fail and info keep their meaning', () => {
    const text = lines(
      invoke(7, 1, 10, '{"f":"cas","key":"k","from":null,"to":"b"}'),
      '{"t":11,"kind":"send","id":0,"from":"n1","to":"n2","message":"AppendEntries"}',
      invoke(3, 2, 12, '{"f":"write","key":"k","value":"c"}'),
      complete(3, 2, 40, '{"type":"info"}'),
      complete(7, 1, 50, '{"type":"fail"}'),
      '{"t":60,"kind":"end","summary":"done"}',
    );
    expect(readHistory(text, 'caplab-trace').operations).toEqual([
      { id: 0, clientId: 1, call: 10, return: 50, input: { f: 'cas', key: 'k', from: null, to: 'b' }, output: { type: 'fail' } },
      { id: 1, clientId: 2, call: 12, return: null, input: { f: 'write', key: 'k', value: 'c' }, output: { type: 'info' } },
    ]);
  });

  it('a header alone is an empty history; a file named .jsonl with no content is a trace', () => {
    expect(readHistory(`${header}\n`, 'auto').operations).toEqual([]);
    expect(detectFormat('', 'run/trace.jsonl')).toBe('caplab-trace');
    expect(() => readHistory('\n', 'caplab-trace')).toThrow(/the trace is empty; expected a first line .*"header"/);
  });
});

describe('caplab-trace reader: a corrupt trace names the line and what was expected', () => {
  const write = invoke(0, 1, 10, '{"f":"write","key":"k","value":"a"}');
  const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['not JSON', lines(write, '{"t":20,"kind":"complete",'), /^line 3: expected one JSON trace event per line/],
    ['a JSON value that is not an object', lines('[1,2]'), /^line 2: expected a JSON object \{"t": …, "kind": …\}, found \[1,2\]/],
    ['no header first', [write, header].join('\n'), /^line 1: expected the first event to be the header/],
    ['another version', header.replace('caplab-trace/1', 'caplab-trace/2'), /^line 1: expected format "caplab-trace\/1", found "caplab-trace\/2"/],
    ['two headers', lines(write, header), /^line 3: a second header/],
    ['a time that is not a non-negative integer', lines('{"t":-1,"kind":"send"}'), /^line 2: expected "t" to be a non-negative integer/],
    ['no kind', lines('{"t":1}'), /^line 2: expected "kind" to be a string, found nothing/],
    ['an unknown operation', lines(invoke(0, 1, 10, '{"f":"delete","key":"k"}')), /^line 2: expected "input.f" to be "read", "write" or "cas", found "delete"/],
    ['a write without a value', lines(invoke(0, 1, 10, '{"f":"write","key":"k"}')), /^line 2: expected "input.value" of a write to be a string, found nothing/],
    ['a field that does not belong', lines(invoke(0, 1, 10, '{"f":"read","key":"k","value":"x"}')), /^line 2: "input" of a read has no field "value"/],
    ['an op number invoked twice', lines(write, write), /^line 3: operation 0 is invoked a second time/],
    ['a completion never invoked', lines(complete(4, 1, 20, '{"type":"ok"}')), /^line 2: operation 4 completes but was never invoked/],
    ['a completion twice', lines(write, complete(0, 1, 20, '{"type":"ok"}'), complete(0, 1, 30, '{"type":"ok"}')), /^line 4: operation 0 completes a second time/],
    ['another client completes', lines(write, complete(0, 2, 20, '{"type":"ok"}')), /^line 3: operation 0 was invoked by client 1 \(line 2\) but completes for client 2/],
    ['a completion before its invocation', lines(write, complete(0, 1, 5, '{"type":"ok"}')), /^line 3: operation 0 completes at t 5, before its invocation at t 10 \(line 2\)/],
    ['an unknown outcome type', lines(write, complete(0, 1, 20, '{"type":"timeout"}')), /^line 3: expected "output.type" to be "ok", "fail" or "info", found "timeout"/],
    ['an ok read without its value', lines(invoke(0, 1, 10, '{"f":"read","key":"k"}'), complete(0, 1, 20, '{"type":"ok"}')), /^line 3: expected "output.value" on the ok of a read/],
    ['a value on an ok write', lines(write, complete(0, 1, 20, '{"type":"ok","value":"a"}')), /^line 3: "output" of an ok write has only "type"/],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      const error = errorOf(text);
      expect(error.message).toMatch(message);
      expect(error.line).toBe(Number(/^line (\d+)/.exec(error.message)![1]));
    });
  }
});
