import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prngStream } from '../../src/base/prng';
import { checkLabHistory } from '../../src/checker/labHistory';
import { checkLinearizability } from '../../src/checker/linearizability';
import { swarmLinearizability } from '../../workers/runOptions';
import { createModel } from '../../src/checker/models';
import { syntheticLabHistory } from '../../src/checker/synthetic';
import type { Operation } from '../../src/history/operation';

const labModel = createModel({ name: 'kv-cas-register', initial: null, semantics: 'lab' });
const check = (operations: readonly Operation[]) => checkLinearizability(labModel, operations, { now: () => performance.now(), timeoutMs: 20_000 });

const historyArbitrary = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  operationCount: fc.integer({ min: 0, max: 60 }),
  keyCount: fc.integer({ min: 1, max: 3 }),
  clientCount: fc.integer({ min: 1, max: 5 }),
  infoProbability: fc.constantFrom(0, 0.05, 0.2),
});

type HistoryParameters = { seed: number; operationCount: number; keyCount: number; clientCount: number; infoProbability: number };
const generate = (parameters: HistoryParameters): Operation[] =>
  syntheticLabHistory({ ...parameters, durationMicrosecondsMax: 40 }, prngStream(parameters.seed, 'checker-property'));

describe('properties', () => {
  it('progress is reported from 0, grows with each key searched, and ends at every operation checked', () => {
    fc.assert(
      fc.property(historyArbitrary, (parameters) => {
        const reports: Array<[number, number]> = [];
        const result = checkLinearizability(labModel, generate(parameters), { now: () => performance.now(), onProgress: (done, total) => reports.push([done, total]) });
        expect(reports[0]).toEqual([0, result.operationsChecked]);
        expect(reports).toHaveLength(result.partitions + 1);
        expect(reports.every(([, total]) => total === result.operationsChecked)).toBe(true);
        expect(reports.map(([done]) => done)).toEqual([...reports.map(([done]) => done)].sort((a, b) => a - b));
        expect(reports.at(-1)?.[0]).toBe(result.operationsChecked);
      }),
      { numRuns: 100 },
    );
  });

  it('a random sequential schedule with consistent call/return intervals is always linearizable', () => {
    fc.assert(
      fc.property(historyArbitrary, (parameters) => {
        expect(check(generate(parameters)).verdict).toBe('linearizable');
      }),
      { numRuns: 150 },
    );
  });

  it('shifting one read to a value overwritten before its call makes the history not linearizable', () => {
    fc.assert(
      fc.property(historyArbitrary, fc.nat(), (parameters, choice) => {
        const operations = generate({ ...parameters, infoProbability: 0 });
        // Candidates: a read R and an ok write W1 of value u on R's key, overwritten by an ok
        // write W2 that was called after W1 returned and returned before R was called. With
        // unique values, only W1 wrote u, so R reading u contradicts W1 < W2 < R.
        const candidates: { readIndex: number; staleValue: string }[] = [];
        operations.forEach((readOperation, readIndex) => {
          if (readOperation.input.f !== 'read' || readOperation.output.type !== 'ok') return;
          const key = readOperation.input.key;
          const writes = operations.filter((operation) => operation.input.f === 'write' && operation.input.key === key && operation.output.type === 'ok' && operation.return !== null);
          for (const first of writes) {
            const overwritten = writes.some((second) => second.call > first.return! && second.return! < readOperation.call);
            if (overwritten && first.input.f === 'write') candidates.push({ readIndex, staleValue: first.input.value });
          }
        });
        fc.pre(candidates.length > 0);
        const { readIndex, staleValue } = candidates[choice % candidates.length]!;
        const shifted = operations.map((operation, index) => (index === readIndex ? { ...operation, output: { type: 'ok' as const, value: staleValue } } : operation));
        const result = check(shifted);
        expect(result.verdict).toBe('not-linearizable');
        expect(result.counterexample?.partitionOperationIds).toContain(readIndex);
      }),
      { numRuns: 150 },
    );
  });
});

/**
 * Random register histories where unknown outcomes chain: writes and cas over a pool of four values,
 * so a cas often compares against a value only another unknown-outcome operation wrote. Small
 * enough that the search without any rewriting is quick.
 */
const chainedHistory = fc
  .array(
    fc.record({
      f: fc.constantFrom('read', 'write', 'cas'),
      client: fc.integer({ min: 0, max: 3 }),
      from: fc.constantFrom('a', 'b', 'c', 'd'),
      to: fc.constantFrom('a', 'b', 'c', 'd'),
      read: fc.constantFrom(null, 'a', 'b', 'c', 'd'),
      outcome: fc.constantFrom('ok', 'ok', 'info', 'fail'),
      call: fc.integer({ min: 0, max: 40 }),
      length: fc.integer({ min: 1, max: 15 }),
    }),
    { maxLength: 11 },
  )
  .map((drawn) =>
    drawn.map((op, id): Operation => {
      const input = op.f === 'read' ? { f: 'read' as const, key: 'k' } : op.f === 'write' ? { f: 'write' as const, key: 'k', value: op.to } : { f: 'cas' as const, key: 'k', from: op.from, to: op.to };
      const output = op.outcome === 'info' ? { type: 'info' as const } : op.outcome === 'fail' ? { type: 'fail' as const } : op.f === 'read' ? { type: 'ok' as const, value: op.read } : { type: 'ok' as const };
      return { id, clientId: op.client, call: op.call, return: op.outcome === 'info' ? null : op.call + op.length, input, output } as Operation;
    }),
  );

describe('the register model\'s rewriting', () => {
  it('keeps every verdict: dropping unobserved unknown-outcome writes and cas, again and again, decides as the search of the whole history does', () => {
    const { simplify: _simplify, ...unsimplified } = labModel;
    const verdicts = new Map<string, number>();
    fc.assert(
      fc.property(chainedHistory, (operations) => {
        const whole = checkLinearizability(unsimplified, operations, { now: () => performance.now() }).verdict;
        expect(check(operations).verdict).toBe(whole);
        verdicts.set(whole, (verdicts.get(whole) ?? 0) + 1);
      }),
      { numRuns: 3000 },
    );
    // Both verdicts were reached often: the property compared something.
    expect(verdicts.get('linearizable') ?? 0).toBeGreaterThan(300);
    expect(verdicts.get('not-linearizable') ?? 0).toBeGreaterThan(300);
  });
});

describe('budget and cancellation', () => {
  // 24 overlapping writes then a read of a value nobody wrote: every subset of the writes is a
  // configuration to refute, far more than fit in the budget.
  const pathological: Operation[] = [
    ...Array.from({ length: 24 }, (_, index): Operation => ({ id: index, clientId: index + 1, call: index, return: 1000, input: { f: 'write', key: 'k', value: `v${index}` }, output: { type: 'ok' } })),
    { id: 24, clientId: 99, call: 100, return: 200, input: { f: 'read', key: 'k' }, output: { type: 'ok', value: 'never-written' } },
  ];

  it('returns unknown (timeout) within the budget instead of hanging', () => {
    const startMs = performance.now();
    const result = checkLinearizability(labModel, pathological, { now: () => performance.now(), timeoutMs: 200 });
    const elapsedMs = performance.now() - startMs;
    expect(result.verdict).toBe('unknown');
    expect(result.unknownReason).toBe('timeout');
    expect(elapsedMs).toBeLessThan(2000);
  });

  it('returns unknown (memory) when the memo outgrows its bound', () => {
    const result = checkLinearizability(labModel, pathological, { now: () => performance.now(), memoryBytesMax: 2 * 1024 * 1024 });
    expect(result.verdict).toBe('unknown');
    expect(result.unknownReason).toBe('memory');
  });

  it('a lab history checked within memo bytes alone gets the same verdict however fast the clock runs, with no sequential search when asked for none', () => {
    let hours = 0;
    const runaway = () => (hours += 3_600_000);
    const bounded = (now: () => number) => checkLabHistory(pathological, { now, timeoutMsPerKey: Number.POSITIVE_INFINITY, memoryBytesMax: 2 * 1024 * 1024, sequential: false });
    const slow = bounded(runaway);
    const steady = bounded(() => performance.now());
    expect(slow).toEqual(steady);
    expect(slow).toMatchObject({ failedKeys: 0, unknownKeys: 1, sequential: { failedKeys: 0, unknownKeys: 0 } });
    // The swarm's own check: its bound is memory, so the key is undecided, not timed out.
    // (It takes a run's recorded operations; the check reads only what every operation has.)
    expect(swarmLinearizability(pathological as unknown as Parameters<typeof swarmLinearizability>[0])).toMatchObject({ failedKeys: 0, unknownKeys: 1, sequential: { unknownKeys: 0 } });
  });

  it('stops when cancelled', () => {
    let polls = 0;
    const result = checkLinearizability(labModel, pathological, { now: () => performance.now(), isCancelled: () => ++polls > 3 });
    expect(result.verdict).toBe('unknown');
    expect(result.unknownReason).toBe('cancelled');
    expect(polls).toBe(4);
  });

  it('a definite failure in another partition still gives not-linearizable', () => {
    const otherKey: Operation[] = [
      { id: 25, clientId: 1, call: 0, return: 1, input: { f: 'write', key: 'other', value: 'a' }, output: { type: 'ok' } },
      { id: 26, clientId: 2, call: 2, return: 3, input: { f: 'read', key: 'other' }, output: { type: 'ok', value: 'b' } },
    ];
    const result = checkLinearizability(labModel, [...pathological, ...otherKey], { now: () => performance.now(), timeoutMs: 100 });
    expect(result.verdict).toBe('not-linearizable');
    expect(result.counterexample?.partition).toBe('other');
  });
});

describe('a large lab history', () => {
  it('100 000 operations, 10 keys, 20 clients, 1% timeouts: linearizable, in seconds', () => {
    const operations = syntheticLabHistory(
      { operationCount: 100_000, keyCount: 10, clientCount: 20, infoProbability: 0.01, durationMicrosecondsMax: 2000 },
      prngStream(7, 'checker-large'),
    );
    const result = check(operations);
    expect(result.verdict).toBe('linearizable');
    expect(result.partitions).toBe(10);
    // The target is under 2 s on an idle machine (bench/checker.ts measures it); the bound
    // here leaves room for a busy CI box.
    expect(result.elapsedMs).toBeLessThan(10_000);
  });
});
