import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { strongestModelHeld } from '../../src/checker/consistencyMap';
import { checkLabHistory, labModels } from '../../src/checker/labHistory';
import { createModel } from '../../src/checker/models';
import { checkSequentialConsistency } from '../../src/checker/sequential';
import { checkSessionGuarantee, type SessionGuarantee } from '../../src/checker/session';
import type { Operation, OperationInput, OperationOutput } from '../../src/history/operation';

const model = createModel({ name: 'kv-cas-register', initial: null, semantics: 'lab' });
const now = () => performance.now();

/** A history from lines `client call return f value [read value]`; `info` ops have no return. */
function history(...lines: Array<[client: number, call: number, returned: number | null, input: OperationInput, output?: OperationOutput]>): Operation[] {
  return lines.map(([clientId, call, returned, input, output], id) => ({ id, clientId, call, return: returned, input, output: output ?? { type: returned === null ? 'info' : 'ok' } }));
}
const w = (value: string, key = 'x'): OperationInput => ({ f: 'write', key, value });
const r = (key = 'x'): OperationInput => ({ f: 'read', key });
const saw = (value: string | null): OperationOutput => ({ type: 'ok', value });
const session = (guarantee: SessionGuarantee, operations: Operation[]) => checkSessionGuarantee(guarantee, operations, { initial: null });
const sequential = (operations: Operation[]) => checkSequentialConsistency(model, operations, { now }).verdict;

describe('sequential consistency per key', () => {
  it('holds for a stale read that real time forbids but process order allows', () => {
    // Client 1 writes a and returns; client 2 then reads nothing. Not linearizable; sequential
    // (order: client 2's read, then client 1's write).
    const operations = history([1, 0, 10, w('a')], [2, 20, 30, r(), saw(null)]);
    expect(checkLabHistory(operations, { now, timeoutMsPerKey: 1000 }).failedKeys).toBe(1);
    expect(sequential(operations)).toBe('sequential');
  });

  it('breaks when one client reads its own write and then the initial value', () => {
    const operations = history([1, 0, 10, w('a')], [1, 20, 30, r(), saw('a')], [1, 40, 50, r(), saw(null)]);
    const result = checkSequentialConsistency(model, operations, { now });
    expect(result.verdict).toBe('not-sequential');
    expect(result.counterexample?.blocked?.id).toBe(2);
  });

  it('breaks when two clients see two writes in opposite orders', () => {
    // Client 3 sees a then b, client 4 sees b then a: no single order of the writes explains both.
    const operations = history(
      [1, 0, 100, w('a')],
      [2, 0, 100, w('b')],
      [3, 10, 20, r(), saw('a')],
      [3, 30, 40, r(), saw('b')],
      [4, 10, 20, r(), saw('b')],
      [4, 30, 40, r(), saw('a')],
    );
    expect(sequential(operations)).toBe('not-sequential');
  });

  it('lets a write with unknown outcome take effect after its client moved on', () => {
    // Client 1's write timed out; its next read sees nothing, and client 2 later sees a.
    const operations = history([1, 0, null, w('a')], [1, 20, 30, r(), saw(null)], [2, 40, 50, r(), saw('a')]);
    expect(sequential(operations)).toBe('sequential');
  });
});

describe('session guarantees', () => {
  it('read-your-writes holds when a client sees its write or a newer one, and breaks on an older one', () => {
    expect(session('readYourWrites', history([1, 0, 10, w('a')], [2, 0, 10, w('b')], [1, 20, 30, r(), saw('b')])).status).toBe('holds');
    const broken = session('readYourWrites', history([1, 0, 10, w('a')], [1, 20, 30, r(), saw(null)]));
    expect(broken).toMatchObject({ status: 'violated', key: 'x', operations: [0, 1] });
  });

  it('read-your-writes is judged against the log\'s version order when given', () => {
    // Client 1 wrote a, then read b; fine unless the log put b before a.
    const operations = history([2, 0, 5, w('b')], [1, 6, 10, w('a')], [1, 20, 30, r(), saw('b')]);
    expect(session('readYourWrites', operations).status).toBe('holds');
    const positions = new Map([['b', 0], ['a', 1]]);
    const versionOrder = { positionOf: (_key: string, value: string | number | null) => (value === null ? -1 : (positions.get(String(value)) ?? null)) };
    const broken = checkSessionGuarantee('readYourWrites', operations, { initial: null, versionOrder });
    expect(broken.status).toBe('violated');
  });

  it('monotonic reads breaks when two clients read two versions in opposite orders, or one goes back to the initial value', () => {
    const crossed = history([1, 0, 5, w('a')], [2, 0, 5, w('b')], [3, 10, 11, r(), saw('a')], [3, 12, 13, r(), saw('b')], [4, 10, 11, r(), saw('b')], [4, 12, 13, r(), saw('a')]);
    expect(session('monotonicReads', crossed).status).toBe('violated');
    expect(session('monotonicReads', history([1, 0, 5, w('a')], [3, 10, 11, r(), saw('a')], [3, 12, 13, r(), saw(null)])).status).toBe('violated');
    expect(session('monotonicReads', history([1, 0, 5, w('a')], [3, 10, 11, r(), saw(null)], [3, 12, 13, r(), saw('a')])).status).toBe('holds');
  });

  it('monotonic writes breaks when another client sees a client\'s two writes in the wrong order', () => {
    // Client 1 writes a then b; client 2's monotonic reads would order b before a. Alone, a
    // reader of b then a breaks nothing of monotonic writes; with the log saying b < a it does.
    const operations = history([1, 0, 5, w('a')], [1, 6, 10, w('b')], [2, 20, 30, r(), saw('b')]);
    expect(session('monotonicWrites', operations).status).toBe('holds');
    const versionOrder = { positionOf: (_key: string, value: string | number | null) => (value === 'b' ? 0 : value === 'a' ? 1 : -1) };
    expect(checkSessionGuarantee('monotonicWrites', operations, { initial: null, versionOrder }).status).toBe('violated');
  });

  it('writes-follow-reads breaks when a client writes after reading a version the log puts later', () => {
    const operations = history([1, 0, 5, w('a')], [2, 10, 11, r(), saw('a')], [2, 12, 13, w('b')]);
    expect(session('writesFollowReads', operations).status).toBe('holds');
    const versionOrder = { positionOf: (_key: string, value: string | number | null) => (value === 'b' ? 0 : value === 'a' ? 1 : -1) };
    expect(checkSessionGuarantee('writesFollowReads', operations, { initial: null, versionOrder })).toMatchObject({ status: 'violated', operations: [1, 2] });
  });

  it('a history whose values repeat is not checked', () => {
    expect(session('monotonicReads', history([1, 0, 5, w('a')], [2, 0, 5, w('a')])).status).toBe('not checked');
  });
});

describe('the models block', () => {
  it('names the strongest model a run satisfied', () => {
    const stale = history([1, 0, 10, w('a')], [2, 20, 30, r(), saw(null)]);
    const block = labModels(stale, checkLabHistory(stale, { now, timeoutMsPerKey: 1000 }));
    expect(block.linearizable.status).toBe('violated');
    expect(block.sequentialPerKey.status).toBe('holds');
    expect(strongestModelHeld(block)).toBe('sequentialPerKey');
    expect(labModels(stale, null).linearizable.status).toBe('not checked');
  });
});
