import { describe, expect, it } from 'vitest';
import { checkerKeys, explainFindings, explainKey, type FindingReason, keyVerdict, violationsByKey } from '../../src/checker/explainFindings';
import { checkLabHistory } from '../../src/checker/labHistory';
import { type Violation, ViolationOracle } from '../../src/checker/oracle';
import { loadExperiment } from '../../main/experimentFile';
import { runExperiment } from '../../src/experiment/run';
import type { Operation, OperationInput, OperationOutput } from '../../src/history/operation';
import { nodeRunOptions } from '../../workers/runOptions';
import { describeSummary, keyExplanationLines } from '../../cli/run';
import { reportHtml } from '../../main/report';

type Step = { client: number; call: number; ret: number | null; input: OperationInput; output: OperationOutput };

/** A hand-made history, the oracle fed the truth order as the log would, and the checker's own verdict. */
function scenario(steps: Step[], appliedOrder: number[]) {
  const oracle = new ViolationOracle();
  const operations: Operation[] = steps.map((step, id) => ({ id, clientId: step.client, call: step.call, return: step.ret, input: step.input, output: step.output }));
  operations.forEach((operation) => oracle.invoked(operation, operation.id + 1));
  for (const id of appliedOrder) {
    const operation = operations[id] as Operation;
    oracle.applied(`c${operation.clientId}#${id + 1}:${operation.input.f}:${operation.input.key}`);
  }
  const violations = oracle.violations(operations);
  const checked = checkLabHistory(operations, { now: () => 0, timeoutMsPerKey: 10_000 });
  return { operations, violations, checked, explained: explainFindings(operations, violations, checkerKeys(checked)) };
}

const write = (value: string) => ({ f: 'write' as const, key: 'k', value });
const read = { f: 'read' as const, key: 'k' };
const ok = { type: 'ok' as const };
const info = { type: 'info' as const };
const readOk = (value: string | null) => ({ type: 'ok' as const, value });

/** The (kind, reason) pairs of the only key's groups. */
function reasons(explained: ReturnType<typeof explainFindings>): Array<[string, FindingReason, number]> {
  expect(explained).toHaveLength(1);
  return (explained[0]?.groups ?? []).map((group) => [group.kind, group.reason, group.count]);
}

describe('oracle findings explained against the checker, per key', () => {
  it('a lost write no read observed linearizes before the write that overwrote it', () => {
    // a and b overlap; the log kept only b; the read after both sees b.
    const { explained, checked } = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 5, ret: 20, input: write('b'), output: ok },
        { client: 3, call: 30, ret: 40, input: read, output: readOk('b') },
      ],
      [1],
    );
    expect(checked.failedKeys).toBe(0);
    expect(reasons(explained)).toEqual([['lostWrite', 'unobserved', 1]]);
    expect(explained[0]?.checker).toBe('linearizable');
    expect(explained[0]?.contradicting).toBe(0);
    expect(explained[0]?.sentence).toMatch(/^key k: linearizable \(checker\) beside 1 lost acknowledged write \(oracle\): 1 lost acknowledged write \(oracle\) was never observed by any read/);
  });

  it('a lost write reads saw, then saw overwritten, looks like an overwrite to the history', () => {
    const { explained } = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 12, ret: 14, input: read, output: readOk('a') },
        { client: 3, call: 15, ret: 20, input: write('b'), output: ok },
        { client: 2, call: 30, ret: 40, input: read, output: readOk('b') },
      ],
      [2],
    );
    expect(reasons(explained).filter(([kind]) => kind === 'lostWrite')).toEqual([['lostWrite', 'overwritten', 1]]);
    expect(explained[0]?.contradicting).toBe(0);
  });

  it('a lost write with no later read of another value: nothing in the history shows it gone', () => {
    const { explained, checked } = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 20, ret: 30, input: read, output: readOk('a') },
      ],
      [],
    );
    expect(checked.failedKeys).toBe(0);
    expect(reasons(explained)).toEqual([['lostWrite', 'unread', 1]]);
  });

  it('a stale read of a timed-out write: it may be placed after the newer write', () => {
    // The log applied a before b, so reading a after b completed is stale; a timed out, so the checker puts it last.
    const { explained, checked } = scenario(
      [
        { client: 1, call: 0, ret: null, input: write('a'), output: info },
        { client: 2, call: 5, ret: 10, input: write('b'), output: ok },
        { client: 3, call: 20, ret: 30, input: read, output: readOk('a') },
      ],
      [0, 1],
    );
    expect(checked.failedKeys).toBe(0);
    expect(reasons(explained)).toEqual([['staleRead', 'indeterminate', 1]]);
    expect(explained[0]?.sentence).toContain('timed-out write');
  });

  it('a stale read of a write that overlapped the newer one: the checker orders them the other way', () => {
    const { explained, checked } = scenario(
      [
        { client: 1, call: 0, ret: 20, input: write('a'), output: ok },
        { client: 2, call: 5, ret: 10, input: write('b'), output: ok },
        { client: 3, call: 30, ret: 40, input: read, output: readOk('a') },
      ],
      [0, 1],
    );
    expect(checked.failedKeys).toBe(0);
    expect(reasons(explained)).toEqual([['staleRead', 'concurrent', 1]]);
  });

  it('session breaks explained by overlap: monotonic read and read-your-writes', () => {
    // Client 1 writes b while a is still in flight; the log puts a first. Client 1 then reads a:
    // read-your-writes broken by the log's order, yet a overlapped b, so the checker orders a after b.
    const ryw = scenario(
      [
        { client: 2, call: 0, ret: 30, input: write('a'), output: ok },
        { client: 1, call: 5, ret: 10, input: write('b'), output: ok },
        { client: 1, call: 40, ret: 50, input: read, output: readOk('a') },
      ],
      [0, 1],
    );
    expect(ryw.checked.failedKeys).toBe(0);
    expect(reasons(ryw.explained).filter(([kind]) => kind === 'readYourWrites')).toEqual([['readYourWrites', 'concurrent', 1]]);
    // Client 3 reads b, then a: a monotonic-read break in the log's order; a overlapped the first read.
    const monotonic = scenario(
      [
        { client: 2, call: 0, ret: 30, input: write('a'), output: ok },
        { client: 1, call: 5, ret: 10, input: write('b'), output: ok },
        { client: 3, call: 12, ret: 14, input: read, output: readOk('b') },
        { client: 3, call: 40, ret: 50, input: read, output: readOk('a') },
      ],
      [0, 1],
    );
    expect(monotonic.checked.failedKeys).toBe(0);
    expect(reasons(monotonic.explained).filter(([kind]) => kind === 'monotonicRead')).toEqual([['monotonicRead', 'concurrent', 1]]);
  });

  it('a finding the history alone proves agrees with a checker that rejects the key', () => {
    const { explained, checked } = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 20, ret: 30, input: write('b'), output: ok },
        { client: 3, call: 40, ret: 50, input: read, output: readOk('a') },
      ],
      [0, 1],
    );
    expect(checked.failedKeys).toBe(1);
    expect(explained[0]?.checker).toBe('not linearizable');
    expect(reasons(explained)).toEqual([['staleRead', 'agrees', 1]]);
    expect(explained[0]?.sentence).toBe('key k: the checker rejects this key too; the oracle counts 1 stale read (oracle)');
  });

  it('says loudly when a "linearizable" key holds a finding the history alone proves', () => {
    const { operations, violations } = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 20, ret: 30, input: write('b'), output: ok },
        { client: 3, call: 40, ret: 50, input: read, output: readOk('a') },
        { client: 4, call: 60, ret: 70, input: read, output: readOk(null) },
      ],
      [0, 1],
    );
    // As if the checker had wrongly accepted the key.
    const explained = explainKey('k', operations, violations, 'linearizable');
    expect(explained.groups.map((group) => [group.kind, group.reason, group.count])).toEqual([['staleRead', 'contradicting', 2]]);
    expect(explained.contradicting).toBe(2);
    expect(explained.sentence).toMatch(/BUG: 2 stale reads \(oracle\) the history alone proves \(e\.g\. operation 2\), yet the checker calls the key linearizable/);
  });

  it('a lost write the history shows undone by an older value contradicts "linearizable"', () => {
    const { operations, violations } = scenario(
      [
        { client: 1, call: 0, ret: 10, input: write('a'), output: ok },
        { client: 2, call: 20, ret: 30, input: write('b'), output: ok },
        { client: 3, call: 40, ret: 50, input: read, output: readOk('a') },
      ],
      [0],
    );
    expect(violations.map((violation) => violation.kind)).toEqual(['lostWrite']);
    expect(explainKey('k', operations, violations, 'linearizable').groups.map((group) => group.reason)).toEqual(['contradicting']);
  });

  it('names the verdict of undecided and unchecked keys, and counts findings per key', () => {
    const violations: Violation[] = [
      { kind: 'staleRead', key: 'b', operations: [0, 1], explanation: '' },
      { kind: 'lostWrite', key: 'a', operations: [2], explanation: '' },
      { kind: 'staleRead', key: 'b', operations: [3, 1], explanation: '' },
    ];
    expect(violationsByKey(violations)).toEqual({ a: { staleRead: 0, lostWrite: 1, monotonicRead: 0, readYourWrites: 0 }, b: { staleRead: 2, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 } });
    expect(Object.keys(violationsByKey(violations))).toEqual(['a', 'b']);
    const unchecked = explainFindings([], violations, null);
    expect(unchecked.map((key) => [key.key, key.checker])).toEqual([['a', 'not checked'], ['b', 'not checked']]);
    expect(unchecked[1]?.sentence).toBe('key b: the history was not checked; the oracle counts 2 stale reads (oracle)');
    const named = checkerKeys({ failedKeys: 0, unknownKeys: 1, failures: [], unknownKeyNames: ['b'] });
    expect([keyVerdict('a', named), keyVerdict('b', named)]).toEqual(['linearizable', 'undecided']);
    // Only counted: every key it did not fail may be the undecided one.
    const counted = checkerKeys({ failedKeys: 1, unknownKeys: 1, failures: [{ key: 'a' }] });
    expect([keyVerdict('a', counted), keyVerdict('b', counted)]).toEqual(['not linearizable', 'undecided']);
    expect(keyVerdict('a', checkerKeys({ failedKeys: 0, unknownKeys: 0 }))).toBe('linearizable');
  });
});

describe('Raft Figure 8 (raft-unsafe-figure-8): the checker accepts every key beside the oracle\'s findings', () => {
  it('explains every key with findings, every finding, and none contradicts', () => {
    const experiment = loadExperiment('raft-unsafe-figure-8');
    const result = runExperiment(experiment, nodeRunOptions());
    const { summary } = result;
    expect(summary.violations.linearizability).toBe(0);
    expect(summary.violations.lostWrite).toBeGreaterThan(0);
    const keysWithFindings = Object.keys(summary.violationsByKey);
    expect(keysWithFindings.length).toBeGreaterThan(0);
    expect(summary.keyExplanations.map((key) => key.key)).toEqual(keysWithFindings);
    let lost = 0;
    let stale = 0;
    for (const key of summary.keyExplanations) {
      expect(key.checker, key.key).toBe('linearizable');
      expect(key.contradicting, key.sentence).toBe(0);
      // Each group's count adds up to the key's oracle counts, kind by kind.
      for (const kind of ['staleRead', 'lostWrite', 'monotonicRead', 'readYourWrites'] as const) {
        expect(key.groups.filter((group) => group.kind === kind).reduce((sum, group) => sum + group.count, 0), `${key.key} ${kind}`).toBe(summary.violationsByKey[key.key]?.[kind]);
      }
      expect(key.sentence).toMatch(new RegExp(`^key ${key.key}: linearizable \\(checker\\) beside `));
      lost += key.findings.lostWrite;
      stale += key.findings.staleRead;
    }
    expect(lost).toBe(summary.violations.lostWrite);
    expect(stale).toBe(summary.violations.staleRead);
    // Figure 8's writes were overwritten by the new leader's entries: most were never read.
    expect(summary.keyExplanations.some((key) => key.groups.some((group) => group.kind === 'lostWrite' && group.reason === 'unobserved'))).toBe(true);
    // The CLI's text and the HTML report carry each key's sentence; no "BUG" line.
    const text = describeSummary(summary);
    const html = reportHtml({ experiment, summary, charts: [], violations: result.violations, linearizability: result.linearizability });
    for (const key of summary.keyExplanations) {
      expect(text).toContain(key.sentence);
      expect(html).toContain(key.sentence.replace(/"/g, '&quot;'));
    }
    expect(text).not.toContain('BUG');
  }, 60_000);

  it('the CLI puts a contradiction first, loudly', () => {
    const lines = keyExplanationLines({ keyExplanations: [{ key: 'k', checker: 'linearizable', findings: { staleRead: 1, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 }, groups: [], contradicting: 1, sentence: 'key k: …' }] });
    expect(lines[0]).toMatch(/^BUG: 1 oracle findings contradict the checker's "linearizable"/);
    expect(lines[1]).toBe('  key k: …');
  }, 60_000);
});
