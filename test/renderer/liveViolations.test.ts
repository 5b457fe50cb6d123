import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/history/trace';
import { StaleReadDetector } from '../../renderer/stores/liveViolations';

let op = 0;
/** An operation as two trace events: invoke at callUs, complete at returnUs. */
function operation(input: Extract<TraceEvent, { kind: 'invoke' }>['input'], callUs: number, returnUs: number, output: Extract<TraceEvent, { kind: 'complete' }>['output']): TraceEvent[] {
  const id = op++;
  return [
    { t: callUs, kind: 'invoke', op: id, client: 1, node: 'n1', input },
    { t: returnUs, kind: 'complete', op: id, client: 1, output },
  ];
}

const inTimeOrder = (events: TraceEvent[]) => [...events].sort((a, b) => a.t - b.t);

function detect(events: TraceEvent[]): StaleReadDetector {
  const detector = new StaleReadDetector();
  for (const event of inTimeOrder(events)) detector.observe(event);
  return detector;
}

describe('the live stale-read counter counts only reads the history proves stale', () => {
  it('counts a read of a value overwritten, in real time, before the read began', () => {
    const detector = detect([
      ...operation({ f: 'write', key: 'k', value: 'a' }, 0, 10, { type: 'ok' }),
      ...operation({ f: 'write', key: 'k', value: 'b' }, 20, 30, { type: 'ok' }),
      ...operation({ f: 'read', key: 'k' }, 40, 50, { type: 'ok', value: 'a' }),
    ]);
    expect(detector.count).toBe(1);
    expect(detector.evidence[0]).toMatchObject({ key: 'k', valueRead: 'a' });
  });

  it('counts a read of nothing after an acknowledged write, and an overwrite by an acknowledged cas', () => {
    const detector = detect([
      ...operation({ f: 'write', key: 'k', value: 'a' }, 0, 10, { type: 'ok' }),
      ...operation({ f: 'read', key: 'k' }, 20, 25, { type: 'ok', value: null }),
      ...operation({ f: 'cas', key: 'k', from: 'a', to: 'c' }, 30, 40, { type: 'ok' }),
      ...operation({ f: 'read', key: 'k' }, 50, 60, { type: 'ok', value: 'a' }),
    ]);
    expect(detector.count).toBe(2);
  });

  it('does not count what a linearization allows: overlapping writes, unknown or failed writes, other keys', () => {
    const detector = detect([
      ...operation({ f: 'write', key: 'k', value: 'a' }, 0, 25, { type: 'ok' }),
      ...operation({ f: 'write', key: 'k', value: 'b' }, 20, 30, { type: 'ok' }), // overlaps a: b may come first
      ...operation({ f: 'read', key: 'k' }, 40, 50, { type: 'ok', value: 'a' }),
      ...operation({ f: 'write', key: 'k', value: 'c' }, 60, 70, { type: 'info' }),
      ...operation({ f: 'write', key: 'k', value: 'd' }, 60, 70, { type: 'fail' }),
      ...operation({ f: 'read', key: 'k' }, 80, 90, { type: 'ok', value: 'a' }), // b did not start after a ended
      ...operation({ f: 'write', key: 'other', value: 'e' }, 100, 110, { type: 'ok' }),
      ...operation({ f: 'read', key: 'k' }, 120, 130, { type: 'ok', value: 'a' }),
      ...operation({ f: 'read', key: 'k' }, 105, 130, { type: 'ok', value: null }), // began after a was acknowledged: stale
    ]);
    expect(detector.count).toBe(1); // only the last read of null, after a was acknowledged
  });

  it('a read concurrent with the newer write is not stale', () => {
    const detector = detect([
      ...operation({ f: 'write', key: 'k', value: 'a' }, 0, 10, { type: 'ok' }),
      ...operation({ f: 'write', key: 'k', value: 'b' }, 20, 45, { type: 'ok' }),
      ...operation({ f: 'read', key: 'k' }, 40, 50, { type: 'ok', value: 'a' }),
    ]);
    expect(detector.count).toBe(0);
  });

  it('never counts anything in a history of one register served in real-time order (property)', () => {
    // A correct register: operations one after another, each read returns the last value written.
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('read' as const), fc.constant('write' as const)), { maxLength: 60 }), (kinds) => {
        const events: TraceEvent[] = [];
        let value: string | null = null;
        kinds.forEach((kind, index) => {
          const callUs = index * 10;
          if (kind === 'write') {
            value = `v${index}`;
            events.push(...operation({ f: 'write', key: 'k', value }, callUs, callUs + 5, { type: 'ok' }));
          } else events.push(...operation({ f: 'read', key: 'k' }, callUs, callUs + 5, { type: 'ok', value }));
        });
        return detect(events).count === 0;
      }),
    );
  });
});
