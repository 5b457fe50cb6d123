import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { checkLinearizability, type CheckResult } from '../../src/checker/linearizability';
import { createModel, type ModelName } from '../../src/checker/models';
import type { HistoryRecord, RecordInput, RecordOutput, Value } from '../../src/history/formats/record';

type Semantics = 'etcd' | 'knossos' | 'lab';

/** `[client, call, return | null, input, output]`: a tiny history written by hand. */
type Row = readonly [number, number, number | null, RecordInput, RecordOutput];

const read = (value: Value, key: string | null = null): [RecordInput, RecordOutput] => [{ f: 'read', key }, { type: 'ok', value }];
const write = (value: Value, key: string | null = null): RecordInput => ({ f: 'write', key, value });
const cas = (from: Value, to: Value, key: string | null = null): RecordInput => ({ f: 'cas', key, from, to });
const ok: RecordOutput = { type: 'ok' };
const info: RecordOutput = { type: 'info' };
const fail: RecordOutput = { type: 'fail' };

function check(rows: readonly Row[], options: { initial?: Value; semantics?: Semantics; model?: ModelName } = {}): CheckResult {
  const operations: HistoryRecord[] = rows.map(([clientId, call, returnTime, input, output], id) => ({ id, clientId, call, return: returnTime, input, output }));
  const model = createModel({ name: options.model ?? 'cas-register', initial: options.initial ?? null, semantics: options.semantics ?? 'lab' });
  return checkLinearizability(model, operations, { now: () => performance.now() });
}

describe('tiny register histories that must pass', () => {
  it('the empty history is linearizable', () => {
    const result = check([]);
    expect(result.verdict).toBe('linearizable');
    expect(result.partitions).toBe(0);
  });
  it('one client writing then reading its own write', () => {
    expect(check([[1, 0, 1, write(1), ok], [1, 2, 3, ...read(1)]]).verdict).toBe('linearizable');
  });
  it('concurrent writes may take effect in either order: both reads are explained', () => {
    // w1 and w2 overlap; a later read sees 2, which is fine if w1 came first.
    expect(check([[1, 0, 10, write(1), ok], [2, 1, 9, write(2), ok], [3, 11, 12, ...read(2)]]).verdict).toBe('linearizable');
    expect(check([[1, 0, 10, write(1), ok], [2, 1, 9, write(2), ok], [3, 11, 12, ...read(1)]]).verdict).toBe('linearizable');
  });
  it('a read concurrent with a write may see the old or the new value', () => {
    expect(check([[1, 0, 1, write(1), ok], [1, 2, 10, write(2), ok], [2, 3, 4, ...read(1)], [3, 5, 6, ...read(2)]]).verdict).toBe('linearizable');
  });
  it('an indeterminate write that a later read saw must be assumed applied', () => {
    expect(check([[1, 0, 1, write(1), ok], [2, 2, null, write(2), info], [3, 5, 6, ...read(2)]]).verdict).toBe('linearizable');
  });
  it('an indeterminate write that nobody saw may never have happened', () => {
    expect(check([[1, 0, 1, write(1), ok], [2, 2, null, write(2), info], [3, 5, 6, ...read(1)]]).verdict).toBe('linearizable');
  });
  it('a cas that can succeed only in one order of two concurrent cas', () => {
    // cas 0→1 and cas 1→2 overlap; both succeeded: only 0→1 then 1→2 works, and the read of 2 agrees.
    expect(check([[1, 0, 10, cas(1, 2), ok], [2, 1, 9, cas(0, 1), ok], [3, 11, 12, ...read(2)]], { initial: 0 }).verdict).toBe('linearizable');
  });
  it('two keys are independent partitions', () => {
    const result = check([[1, 0, 1, write('a', 'x'), ok], [2, 2, 3, write('b', 'y'), ok], [3, 4, 5, ...read('a', 'x')], [4, 4, 5, ...read('b', 'y')]], {
      model: 'kv-cas-register',
    });
    expect(result.verdict).toBe('linearizable');
    expect(result.partitions).toBe(2);
  });
  it('operations that only touch in time are treated as concurrent', () => {
    expect(check([[1, 0, 5, write(1), ok], [2, 5, 6, ...read(null)]]).verdict).toBe('linearizable');
  });
});

describe('tiny register histories that must fail', () => {
  it('a stale read: a read after a completed write sees the older value', () => {
    const result = check([[1, 0, 1, write(1), ok], [1, 2, 3, write(2), ok], [2, 4, 5, ...read(1)]]);
    expect(result.verdict).toBe('not-linearizable');
    expect(result.counterexample?.explanation).toBe('read 1, but the register holds 2');
    expect(result.counterexample?.blocked?.id).toBe(2);
    expect(result.counterexample?.linearized.map((operation) => operation.id)).toEqual([0, 1]);
  });
  it('one client reading a value it never wrote', () => {
    expect(check([[1, 0, 1, write(1), ok], [1, 2, 3, ...read(7)]]).verdict).toBe('not-linearizable');
  });
  it('two cas from the same value cannot both succeed', () => {
    expect(check([[1, 0, 10, cas(0, 1), ok], [2, 1, 9, cas(0, 2), ok]], { initial: 0 }).verdict).toBe('not-linearizable');
  });
  it('an indeterminate write cannot take effect before its call', () => {
    expect(check([[3, 0, 1, ...read(2)], [2, 2, null, write(2), info]]).verdict).toBe('not-linearizable');
  });
  it('an indeterminate write cannot take effect twice: the value read back cannot reappear after an overwrite', () => {
    const rows: Row[] = [[2, 0, null, write(2), info], [3, 1, 2, ...read(2)], [1, 3, 4, write(1), ok], [3, 5, 6, ...read(2)]];
    expect(check(rows).verdict).toBe('not-linearizable');
  });
  it('a failed write (lab semantics: not applied) cannot be read', () => {
    expect(check([[1, 0, 1, write(1), fail], [2, 2, 3, ...read(1)]]).verdict).toBe('not-linearizable');
  });
  it('keys are checked apart, and the smallest failing partition is reported', () => {
    const rows: Row[] = [
      [1, 0, 1, write('a', 'x'), ok],
      [2, 2, 3, ...read('b', 'x')],
      [1, 4, 5, write('c', 'y'), ok],
      [2, 6, 7, write('c', 'z'), ok],
      [3, 8, 9, ...read('c', 'y')],
    ];
    const result = check(rows, { model: 'kv-cas-register' });
    expect(result.verdict).toBe('not-linearizable');
    expect(result.counterexample?.partition).toBe('x');
    expect(result.counterexample?.partitionOperationIds).toEqual([0, 1]);
  });
});

describe('etcd and Knossos semantics (FORMATS.md F1, F3)', () => {
  it('etcd: a failed cas means the comparison failed, so it needs a different value', () => {
    expect(check([[1, 0, 1, write(1), ok], [2, 2, 3, cas(1, 2), fail]], { semantics: 'etcd' }).verdict).toBe('not-linearizable');
    expect(check([[1, 0, 1, write(1), ok], [2, 2, 3, cas(3, 2), fail]], { semantics: 'etcd' }).verdict).toBe('linearizable');
  });
  it('etcd: a read of nil means absent', () => {
    expect(check([[1, 0, 1, write(1), ok], [2, 2, 3, ...read(null)]], { semantics: 'etcd' }).verdict).toBe('not-linearizable');
  });
  it('Knossos: a read of nil is a read with unknown value, and a :fail did not happen', () => {
    expect(check([[1, 0, 1, write(1), ok], [2, 2, 3, ...read(null)]], { semantics: 'knossos', initial: 0 }).verdict).toBe('linearizable');
    expect(check([[1, 0, 1, write(1), ok], [2, 2, 3, cas(1, 2), fail]], { semantics: 'knossos', initial: 0 }).verdict).toBe('linearizable');
  });
  it('the register model refuses cas operations with a message', () => {
    expect(() => check([[1, 0, 1, cas(0, 1), ok]], { model: 'register' })).toThrow(/cannot check operation 0/);
  });
});

describe('kv (get/put/append, FORMATS.md F2)', () => {
  const get = (key: string, value: string): [RecordInput, RecordOutput] => [{ f: 'get', key }, { type: 'ok', value }];
  const append = (key: string, value: string): RecordInput => ({ f: 'append', key, value });
  it('concurrent appends in either order, a get sees one order', () => {
    const rows: Row[] = [[1, 0, 10, append('k', 'a'), ok], [2, 1, 9, append('k', 'b'), ok], [3, 11, 12, ...get('k', 'ba')]];
    expect(check(rows, { model: 'kv' }).verdict).toBe('linearizable');
    expect(check(rows, { model: 'kv-single-map' }).verdict).toBe('linearizable');
  });
  it('a get that saw an append that had not been invoked yet', () => {
    const rows: Row[] = [[3, 0, 1, ...get('k', 'a')], [1, 2, 3, append('k', 'a'), ok]];
    expect(check(rows, { model: 'kv' }).verdict).toBe('not-linearizable');
    expect(check(rows, { model: 'kv-single-map' }).verdict).toBe('not-linearizable');
  });
});
