import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientId } from '../../src/base/ids';
import type { KvCommand, KvLogCommand } from '../../src/kv/command';
import { commandDigest } from '../../src/kv/command';
import type { HlcTimestamp } from '../../src/kv/hlc';
import { LocalWrites, type StampedCommand } from '../../src/kv/localWrites';
import { copyKvSnapshot, KvStore } from '../../src/kv/store';

const at = (wallUs: number, node = 'n1', logical = 0): HlcTimestamp => ({ wallUs, logical, node });
let sequenceNext = 0;
function entry(command: KvCommand, timestamp?: HlcTimestamp, client = 1): KvLogCommand {
  return { clientId: clientId(client), sequence: ++sequenceNext, command, ...(timestamp === undefined ? {} : { timestamp }) };
}
const write = (value: string, key = 'k'): KvCommand => ({ f: 'write', key, value });
const cas = (from: string | null, to: string, key = 'k'): KvCommand => ({ f: 'cas', key, from, to });

describe('KvStore last-writer-wins merge (ARCHITECTURE §5)', () => {
  it('a stamped write takes effect only when its timestamp is newer than the key\'s', () => {
    const store = new KvStore();
    expect(store.apply(entry(write('a'), at(200))).type).toBe('ok');
    expect(store.apply(entry(write('b'), at(100))).type).toBe('fail'); // older stamp, later in the log
    expect(store.read('k')).toBe('a');
    expect(store.apply(entry(write('c'), at(200, 'n2'))).type).toBe('ok'); // same wall time: node id breaks the tie
    expect(store.read('k')).toBe('c');
    expect(store.timestampOf('k')).toEqual(at(200, 'n2'));
    expect(store.highestTimestamp).toEqual(at(200, 'n2'));
  });

  it('a stamped cas needs both its comparison and a newer stamp', () => {
    const store = new KvStore();
    store.apply(entry(write('a'), at(100)));
    expect(store.apply(entry(cas('a', 'b'), at(50)))).toEqual({ type: 'fail', reason: 'unavailable' });
    expect(store.apply(entry(cas('x', 'b'), at(150)))).toEqual({ type: 'fail', reason: 'cas-mismatch' });
    expect(store.apply(entry(cas('a', 'b'), at(150)))).toEqual({ type: 'ok' });
    expect(store.read('k')).toBe('b');
  });

  it('an unstamped write (hand-built entries) always takes effect and leaves the key\'s stamp alone', () => {
    const store = new KvStore();
    store.apply(entry(write('a'), at(100)));
    expect(store.apply(entry(write('b'))).type).toBe('ok');
    expect(store.read('k')).toBe('b');
    expect(store.timestampOf('k')).toEqual(at(100));
  });

  it('a duplicate keeps its first result, even when a retry would now win', () => {
    const store = new KvStore();
    store.apply(entry(write('a'), at(100)));
    const lost = entry(write('b'), at(50), 2);
    expect(store.apply(lost).type).toBe('fail');
    expect(store.apply(lost).type).toBe('fail');
    expect(store.read('k')).toBe('a');
  });

  it('snapshots carry the timestamps: a restored store merges exactly as the original', () => {
    const store = new KvStore();
    store.apply(entry(write('a'), at(300)));
    store.apply(entry(write('z', 'other'), at(10)));
    const restored = KvStore.fromSnapshot(copyKvSnapshot(store.snapshot()));
    expect(restored.timestampOf('k')).toEqual(at(300));
    expect(restored.highestTimestamp).toEqual(at(300));
    const late = entry(write('b'), at(200));
    expect(restored.apply(late).type).toBe(store.apply(late).type);
    expect(restored.read('k')).toBe('a');
  });

  it('the digest carries the stamp, deterministically', () => {
    const stamped: KvLogCommand = { clientId: clientId(3), sequence: 17, command: write('v', 'k1'), timestamp: at(1234, 'n2', 5) };
    expect(commandDigest(stamped)).toBe('c3#17:write:k1@1234.5.n2');
    expect(commandDigest({ ...stamped, timestamp: undefined })).toBe('c3#17:write:k1');
    expect(commandDigest(null)).toBe('noop');
  });

  // Property: whatever order stamped writes reach a log in, every replica ends with the value of
  // the newest stamp (convergence); the truth is independent of the arrival order.
  it('property: replicas applying the same stamped writes in any order converge on the newest stamp', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 12 }), fc.integer(), (stamps, seed) => {
        const writes = stamps.map((wallUs, index) => entry(write(`v${index}`), at(wallUs), 100 + index));
        const shuffled = [...writes].sort((a, b) => ((a.sequence * 7919 + seed) % 101) - ((b.sequence * 7919 + seed) % 101));
        const first = new KvStore();
        const second = new KvStore();
        for (const command of writes) first.apply(command);
        for (const command of shuffled) second.apply(command);
        const newest = writes.reduce((best, command) => ((command.timestamp?.wallUs ?? 0) > (best.timestamp?.wallUs ?? 0) ? command : best));
        expect(first.read('k')).toBe((newest.command as { value: string }).value);
        expect(second.read('k')).toBe(first.read('k'));
      }),
    );
  });
});

describe('LocalWrites overlay (ARCHITECTURE §5, AP)', () => {
  const stamped = (command: KvCommand, wallUs: number, client = 5): StampedCommand => ({ clientId: clientId(client), sequence: ++sequenceNext, command, timestamp: at(wallUs, 'n2') });

  it('local reads see pending writes over the applied state, newest stamp first', () => {
    const store = new KvStore();
    store.apply(entry(write('applied'), at(100)));
    const local = new LocalWrites();
    local.accept(stamped(write('mine'), 150));
    expect(local.read('k', store)).toBe('mine');
    expect(local.keyValues(store).get('k')).toBe('mine');
    store.apply(entry(write('newer'), at(400)));
    expect(local.read('k', store)).toBe('newer'); // a newer applied write beats the pending one
  });

  it('a pending write leaves the overlay once the store applied it, whether it won or not', () => {
    const store = new KvStore();
    const local = new LocalWrites();
    const mine = stamped(write('mine'), 150);
    local.accept(mine);
    local.accept(stamped(cas('mine', 'mine2'), 160));
    expect(local.read('k', store)).toBe('mine2');
    expect(local.forwardBatch().map((command) => command.sequence)).toEqual([mine.sequence, mine.sequence + 1]);
    store.apply(mine);
    local.settle(store);
    expect(local.size).toBe(1);
    expect(local.has(mine.clientId, mine.sequence)).toBe(false);
  });

  it('refuses stamps that do not increase (one clock per overlay)', () => {
    const local = new LocalWrites();
    local.accept(stamped(write('a'), 200));
    expect(() => local.accept(stamped(write('b'), 100))).toThrow(/stamps increase/);
  });
});
