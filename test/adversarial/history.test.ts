import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHistoryText, type CheckReport } from '../../src/checker/report';
import type { FormatName } from '../../src/history/formats/parsed';
import { traceFormat } from '../../src/history/trace';
import { caplab, listing } from './bundleFixtures';

/**
 * Issue 13 items 10 and 11: values compared exactly in every format, structurally impossible
 * histories refused by name, and generated damage in each format answered with a verdict or a
 * bad-input report, never a thrown error.
 */

const scratch = mkdtempSync(join(tmpdir(), 'caplab-adv-history-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const clock = { now: () => 0 };

function check(text: string, format: FormatName | 'auto', file = 'h'): CheckReport {
  return checkHistoryText({ file, text, format, timeoutMs: 10_000 }, clock);
}

const etcd = (...lines: string[]) => lines.map((line) => `INFO  jepsen.util - ${line.replace(/ /g, '\t')}`).join('\n');
const edn = (...maps: string[]) => `[${maps.join('\n')}]`;

describe('integers above 2^53 are compared exactly (item 10)', () => {
  const written = '9007199254740993';
  const near = '9007199254740992';
  it.each([
    ['etcd-log', (read: string) => etcd(`0 :invoke :write ${written}`, `0 :ok :write ${written}`, '1 :invoke :read nil', `1 :ok :read ${read}`)],
    ['jepsen-edn', (read: string) => edn(`{:process 0, :type :invoke, :f :write, :value ${written}}`, `{:process 0, :type :ok, :f :write, :value ${written}}`, '{:process 1, :type :invoke, :f :read, :value nil}', `{:process 1, :type :ok, :f :read, :value ${read}}`)],
    ['jepsen-edn', (read: string) => edn(`{:process 0, :type :invoke, :f :write, :value ${written}N}`, `{:process 0, :type :ok, :f :write, :value ${written}N}`, '{:process 1, :type :invoke, :f :read, :value nil}', `{:process 1, :type :ok, :f :read, :value ${read}N}`)],
    ['jepsen-edn', (read: string) => edn(`{:process 0, :type :invoke, :f :cas, :value [0 ${written}]}`, `{:process 0, :type :ok, :f :cas, :value [0 ${written}]}`, '{:process 1, :type :invoke, :f :read, :value nil}', `{:process 1, :type :ok, :f :read, :value ${read}}`)],
  ] as const)('%s: a write of 2^53 + 1 then a read of 2^53 is not linearizable; the same value read is (#%#)', (format, history) => {
    const wrong = check(history(near), format);
    expect(wrong.kind === 'checked' && wrong.verdict).toBe('not-linearizable');
    const right = check(history(written), format);
    expect(right.kind === 'checked' && right.verdict).toBe('linearizable');
  });

  it('the CLI exits 1 on the etcd log (it exited 0 before)', () => {
    const path = join(scratch, 'big.log');
    writeFileSync(path, etcd(`0 :invoke :write ${written}`, `0 :ok :write ${written}`, '1 :invoke :read nil', `1 :ok :read ${near}`));
    const result = caplab(['check', path, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).counterexample.explanation).toBe(`read ${near}, but the register holds ${written}`);
    rmSync(path);
  });

  it('--initial takes an exact integer too', () => {
    const history = etcd('1 :invoke :read nil', `1 :ok :read ${near}`);
    expect(checkHistoryText({ file: 'h', text: history, format: 'etcd-log', initial: written }, clock)).toMatchObject({ verdict: 'not-linearizable' });
    expect(checkHistoryText({ file: 'h', text: history, format: 'etcd-log', initial: near }, clock)).toMatchObject({ verdict: 'linearizable' });
  });

  it('a process id, a time or an op number beyond 2^53 is refused, not rounded', () => {
    expect(check(etcd(`${written} :invoke :read nil`), 'etcd-log')).toMatchObject({ kind: 'bad-input', error: expect.stringMatching(/line 1: expected a process id below 2\^53/) });
    expect(check(edn(`{:process ${written}, :type :invoke, :f :read, :value nil}`), 'jepsen-edn')).toMatchObject({ kind: 'bad-input', error: expect.stringMatching(/expected a :process below 2\^53/) });
    const header = JSON.stringify({ t: 0, kind: 'header', format: traceFormat, experiment: 'x', protocol: 'raft', seed: 1, nodes: ['n1'] });
    expect(check(`${header}\n{"t":${written},"kind":"invoke","op":0,"client":1,"node":"n1","input":{"f":"read","key":"k"}}\n`, 'caplab-trace')).toMatchObject({ kind: 'bad-input', error: expect.stringMatching(/line 2: expected "t" to be a non-negative integer/) });
  });
});

const labHistory = (operations: string[]) => `{ "format": "caplab-history/1", "model": "kv-cas-register", "initial": null,\n  "operations": [\n${operations.join(',\n')}\n  ] }\n`;
const write = (id: number, value: string) => `    {"id":${id},"clientId":${id},"call":${id * 10},"return":${id * 10 + 5},"input":{"f":"write","key":"k","value":"${value}"},"output":{"type":"ok"}}`;

describe('structurally impossible histories are refused by name (item 11)', () => {
  it('two operations with one id', () => {
    expect(check(labHistory([write(0, 'a'), write(0, 'b')]), 'caplab-history')).toEqual({ kind: 'bad-input', file: 'h', error: 'line 4: operations[1].id: 0 is the id of operations[0] too; ids are unique' });
  });

  it('a value written twice (a write and a cas to it)', () => {
    expect(check(labHistory([write(0, 'a'), write(1, 'a')]), 'caplab-history')).toMatchObject({ kind: 'bad-input', error: 'line 4: operations[1].input.value: "a" is written by operations[0] too; every written value is unique in a history' });
    const cas = '    {"id":1,"clientId":1,"call":20,"return":25,"input":{"f":"cas","key":"k","from":"a","to":"a"},"output":{"type":"ok"}}';
    expect(check(labHistory([write(0, 'a'), cas]), 'caplab-history')).toMatchObject({ kind: 'bad-input', error: expect.stringMatching(/operations\[1\]\.input\.to: "a" is written by operations\[0\] too/) });
  });

  it('a future trace format is refused, naming the versions', () => {
    const header = JSON.stringify({ t: 0, kind: 'header', format: 'caplab-trace/2', experiment: 'x', protocol: 'raft', seed: 1, nodes: ['n1'] });
    expect(check(`${header}\n`, 'caplab-trace')).toMatchObject({ kind: 'bad-input', error: expect.stringMatching(/line 1: expected format "caplab-trace\/1", found "caplab-trace\/2"/) });
  });
});

/** One sequential history of `operations`, written in each format. */
interface GeneratedOperation {
  readonly client: number;
  readonly f: 'read' | 'write' | 'cas';
  readonly value: number;
  readonly outcome: 'ok' | 'fail' | 'info';
}

function inFormat(format: FormatName, generated: readonly GeneratedOperation[]): string {
  // Jepsen retires a process after an unknown outcome: every operation gets a process of its own.
  const operations = generated.map((operation, index) => ({ ...operation, client: operation.client + 4 * index }));
  switch (format) {
    case 'etcd-log':
      return etcd(...operations.flatMap(({ client, f, value, outcome }, index) => {
        const argument = f === 'read' ? 'nil' : f === 'write' ? `${value}` : `[${value} ${index + 100}]`;
        const done = outcome === 'info' ? `${client} :info :${f} :timed-out` : `${client} :${outcome === 'fail' && f !== 'cas' ? 'fail' : outcome} :${f} ${f === 'read' && outcome === 'ok' ? 'nil' : argument}`;
        return [`${client} :invoke :${f} ${argument}`, done];
      }));
    case 'jepsen-edn':
    case 'porcupine-kv':
      return edn(...operations.flatMap(({ client, f, value, outcome }, index) => {
        const v = f === 'read' ? 'nil' : f === 'write' ? `${value}` : `[${value} ${index + 100}]`;
        return [`{:process ${client}, :type :invoke, :f :${f}, :value ${v}}`, `{:process ${client}, :type :${outcome}, :f :${f}, :value ${v}}`];
      }));
    case 'caplab-history':
      return labHistory(operations.map(({ client, f, value, outcome }, index) => {
        const input = f === 'read' ? '{"f":"read","key":"k"}' : f === 'write' ? `{"f":"write","key":"k","value":"w${index}"}` : `{"f":"cas","key":"k","from":"w${value}","to":"c${index}"}`;
        const output = outcome === 'ok' && f === 'read' ? '{"type":"ok","value":null}' : `{"type":"${outcome}"}`;
        return `    {"clientId":${client},"call":${index * 10},"return":${outcome === 'info' ? 'null' : index * 10 + 5},"input":${input},"output":${output}}`;
      }));
    case 'caplab-trace': {
      const header = JSON.stringify({ t: 0, kind: 'header', format: traceFormat, experiment: 'x', protocol: 'raft', seed: 1, nodes: ['n1'] });
      const events = operations.flatMap(({ client, f, value, outcome }, index) => {
        const input = f === 'read' ? '{"f":"read","key":"k"}' : f === 'write' ? `{"f":"write","key":"k","value":"w${index}"}` : `{"f":"cas","key":"k","from":"w${value}","to":"c${index}"}`;
        const output = outcome === 'ok' && f === 'read' ? '{"type":"ok","value":null}' : `{"type":"${outcome}"}`;
        return [`{"t":${index * 10 + 1},"kind":"invoke","op":${index},"client":${client},"node":"n1","input":${input}}`, `{"t":${index * 10 + 5},"kind":"complete","op":${index},"client":${client},"output":${output}}`];
      });
      return [header, ...events, `{"t":${operations.length * 10 + 9},"kind":"end","summary":"done"}`, ''].join('\n');
    }
  }
}

const operation = fc.record({ client: fc.integer({ min: 0, max: 3 }), f: fc.constantFrom('read' as const, 'write' as const, 'cas' as const), value: fc.integer({ min: 0, max: 3 }), outcome: fc.constantFrom('ok' as const, 'fail' as const, 'info' as const) });
const damage = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.constantFrom('', '9007199254740993', '"', '}', ']', '\n', ':invoke', 'nil', '-1', '1e400', '{', '#', '\\', 'NaN', '0x1F', '\u0000') }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('drop-line' as const), at: fc.nat() }),
);

function damaged(text: string, change: { kind: string; at: number; text?: string }): string {
  const at = change.at % Math.max(1, text.length);
  const lines = text.split('\n');
  const line = change.at % lines.length;
  switch (change.kind) {
    case 'truncate':
      return text.slice(0, at);
    case 'replace':
      return text.slice(0, at) + (change.text ?? '') + text.slice(at + 1);
    case 'duplicate-line':
      return [...lines.slice(0, line + 1), ...lines.slice(line)].join('\n');
    default:
      return [...lines.slice(0, line), ...lines.slice(line + 1)].join('\n');
  }
}

describe('generated histories in each format, damaged (items 10, 11)', () => {
  it('every one gets a verdict or a bad-input report naming the problem; none throws; nothing is written', () => {
    const formats: FormatName[] = ['etcd-log', 'jepsen-edn', 'caplab-history', 'caplab-trace'];
    const before = listing(scratch);
    let cases = 0;
    let badInput = 0;
    fc.assert(
      fc.property(fc.constantFrom(...formats), fc.array(operation, { minLength: 1, maxLength: 8 }), damage, (format, operations, change) => {
        cases++;
        const whole = check(inFormat(format, operations), format);
        expect(whole.kind, whole.kind === 'bad-input' ? whole.error : '').toBe('checked');
        for (const asked of [format, 'auto'] as const) {
          const report = check(damaged(inFormat(format, operations), change), asked);
          if (report.kind === 'bad-input') {
            badInput++;
            expect(report.error.length).toBeGreaterThan(0);
            expect(report.error).not.toMatch(/\n\s+at |TypeError|RangeError|undefined/);
          } else {
            expect(['linearizable', 'not-linearizable', 'unknown']).toContain(report.verdict);
          }
        }
      }),
      { numRuns: 500, seed: 13 },
    );
    expect(cases).toBe(500);
    expect(badInput).toBeGreaterThan(100);
    expect(listing(scratch)).toEqual(before);
  });
});
