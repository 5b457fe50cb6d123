import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHlc, formatHlc, type HlcTimestamp, HybridLogicalClock, parseHlc } from '../../src/kv/hlc';

/** A physical clock the test moves by hand. */
function manualClock(startUs = 0) {
  let nowUs = startUs;
  return { read: () => nowUs, set: (us: number) => (nowUs = us) };
}

describe('hybrid logical clock (Kulkarni et al. 2014)', () => {
  it('follows the physical clock while it moves forward, counter at 0', () => {
    const clock = manualClock(1000);
    const hlc = new HybridLogicalClock('n1', clock.read);
    expect(hlc.now()).toEqual({ wallUs: 1000, logical: 0, node: 'n1' });
    clock.set(2500);
    expect(hlc.now()).toEqual({ wallUs: 2500, logical: 0, node: 'n1' });
  });

  it('keeps counting when the physical clock stands still or goes backwards', () => {
    const clock = manualClock(5000);
    const hlc = new HybridLogicalClock('n1', clock.read);
    const first = hlc.now();
    const same = hlc.now();
    clock.set(10); // the clock jumped back (an NTP step, a skewed restart)
    const back = hlc.now();
    expect(compareHlc(first, same)).toBeLessThan(0);
    expect(compareHlc(same, back)).toBeLessThan(0);
    expect(back).toEqual({ wallUs: 5000, logical: 2, node: 'n1' });
  });

  it('stamps after a received timestamp from a clock far ahead are larger than it', () => {
    const clock = manualClock(1000);
    const hlc = new HybridLogicalClock('n2', clock.read);
    const remote: HlcTimestamp = { wallUs: 9_000_000, logical: 7, node: 'n5' };
    hlc.observe(remote);
    expect(hlc.last).toEqual({ wallUs: 9_000_000, logical: 8, node: 'n2' });
    expect(compareHlc(hlc.now(), remote)).toBeGreaterThan(0);
  });

  it('catchUp ignores timestamps it is already past', () => {
    const clock = manualClock(1000);
    const hlc = new HybridLogicalClock('n1', clock.read);
    hlc.now();
    hlc.catchUp({ wallUs: 10, logical: 0, node: 'n9' });
    expect(hlc.last).toEqual({ wallUs: 1000, logical: 0, node: 'n1' });
    hlc.catchUp({ wallUs: 2000, logical: 3, node: 'n9' });
    expect(hlc.last).toEqual({ wallUs: 2000, logical: 4, node: 'n1' });
  });

  it('orders by wall time, then counter, then node id, and prints and parses the same timestamp', () => {
    const a = { wallUs: 5, logical: 9, node: 'n1' };
    const b = { wallUs: 6, logical: 0, node: 'n1' };
    const c = { wallUs: 6, logical: 0, node: 'n2' };
    expect(compareHlc(a, b)).toBe(-1);
    expect(compareHlc(b, c)).toBe(-1);
    expect(compareHlc(c, c)).toBe(0);
    expect(parseHlc(formatHlc(c))).toEqual(c);
    expect(parseHlc('not-a-stamp')).toBeNull();
  });

  // Property: whatever the physical clocks do (skew, jumps back), each node's stamps strictly
  // increase, and a stamp issued after receiving a message exceeds the message's stamp (causality).
  it('property: monotonic per node and causal across messages under arbitrary clock readings', () => {
    const step = fc.record({
      node: fc.integer({ min: 0, max: 2 }),
      physicalUs: fc.integer({ min: 0, max: 1_000_000 }),
      action: fc.constantFrom('stamp', 'send', 'receive'),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const physical = [0, 0, 0];
        const clocks = [0, 1, 2].map((index) => new HybridLogicalClock(`n${index + 1}`, () => physical[index] as number));
        const lastIssued: Array<HlcTimestamp | null> = [null, null, null];
        const inFlight: HlcTimestamp[] = [];
        for (const { node, physicalUs, action } of steps) {
          physical[node] = physicalUs;
          const clock = clocks[node] as HybridLogicalClock;
          if (action === 'receive') {
            const message = inFlight.shift();
            if (message === undefined) continue;
            clock.observe(message);
            const after = clock.now();
            expect(compareHlc(after, message)).toBeGreaterThan(0);
            lastIssued[node] = after;
            continue;
          }
          const stamp = clock.now();
          const previous = lastIssued[node];
          if (previous !== null && previous !== undefined) expect(compareHlc(previous, stamp)).toBeLessThan(0);
          lastIssued[node] = stamp;
          if (action === 'send') inFlight.push(stamp);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: the logical counter stays bounded by the stamps issued since the wall time last moved', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 100 }), (readings) => {
        let physical = 0;
        const hlc = new HybridLogicalClock('n1', () => physical);
        let sinceMove = 0;
        let wall = 0;
        for (const reading of readings) {
          physical = reading;
          const stamp = hlc.now();
          sinceMove = stamp.wallUs === wall ? sinceMove + 1 : 0;
          wall = stamp.wallUs;
          expect(stamp.logical).toBeLessThanOrEqual(sinceMove);
          expect(stamp.wallUs).toBeGreaterThanOrEqual(reading);
        }
      }),
    );
  });
});
