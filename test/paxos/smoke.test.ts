import { describe, expect, it } from 'vitest';
import { Harness, read, write } from './harness';

describe('smoke', () => {
  it('elects, writes, reads', () => {
    const h = new Harness(3);
    const leader = h.elect('n1');
    const w = h.request('n1', write('k', 'v1'));
    h.stabilize();
    expect(h.replyTo(w)?.result).toEqual({ type: 'ok' });
    const r = h.request('n1', read('k'));
    h.stabilize();
    expect(h.replyTo(r)?.result).toEqual({ type: 'ok', value: 'v1' });
    expect(leader.executedSlot).toBe(1);
    for (const id of h.ids) expect(h.node(id).store.read('k')).toBe('v1');
  });
});
