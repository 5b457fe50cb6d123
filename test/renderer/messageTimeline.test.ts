import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/history/trace';
import { MessageFate, MessageTimeline, type TimelineViewport, messageNear, timeX, xTime, zoomWindow } from '../../renderer/diagram/messageTimeline';

const send = (t: number, id: number, from = 'n1', to = 'n2', message = 'AppendEntries'): TraceEvent => ({ t, kind: 'send', id, from, to, message });
const deliver = (t: number, id: number, from = 'n1', to = 'n2'): TraceEvent => ({ t, kind: 'deliver', id, from, to, message: 'AppendEntries' });
const drop = (t: number, id: number): TraceEvent => ({ t, kind: 'drop', id, from: 'n1', to: 'n2', message: 'AppendEntries', reason: 'partition' });

function inWindow(timeline: MessageTimeline, startUs: number, endUs: number, limit?: number) {
  const ids: number[] = [];
  timeline.forEachInWindow(startUs, endUs, (message) => ids.push(message.id), limit);
  return ids;
}

describe('the space-time diagram keeps messages in a ring and finds a window by binary search', () => {
  it('a message is drawn in every window its line crosses, and in no other', () => {
    const timeline = new MessageTimeline(['n1', 'n2', 'n3']);
    timeline.observe([send(100, 1), send(200, 2), deliver(900, 1), drop(250, 2), send(1000, 3)]);
    expect(inWindow(timeline, 0, 150)).toEqual([1]);
    expect(inWindow(timeline, 300, 800)).toEqual([1]); // 1 is in flight over the window; 2 was dropped at 250
    expect(inWindow(timeline, 240, 260)).toEqual([1, 2]);
    expect(inWindow(timeline, 950, 2000)).toEqual([3]); // 3 is still in flight: drawn to the window's end
    expect(inWindow(timeline, 2000, 3000)).toEqual([3]);
  });

  it('deliveries and drops set the fate; a duplicate delivery keeps the first; client traffic has no lane', () => {
    const timeline = new MessageTimeline(['n1', 'n2']);
    timeline.observe([send(10, 1), send(20, 2), deliver(30, 1), deliver(40, 1), drop(50, 2), send(60, 3, 'c1', 'n1')]);
    const seen: Array<[number, number, number]> = [];
    timeline.forEachInWindow(0, 100, (message) => seen.push([message.id, message.fate, message.endUs]));
    expect(seen).toEqual([
      [1, MessageFate.Delivered, 30],
      [2, MessageFate.Dropped, 50],
    ]);
  });

  it('the ring keeps the newest messages and forgets the oldest in-flight ids', () => {
    const timeline = new MessageTimeline(['n1', 'n2'], 3);
    timeline.observe([send(1, 1), send(2, 2), send(3, 3), send(4, 4), deliver(5, 1), deliver(6, 4)]);
    expect(timeline.count).toBe(3);
    expect(timeline.added).toBe(4);
    expect(timeline.earliestUs).toBe(2);
    expect(inWindow(timeline, 0, 10)).toEqual([2, 3, 4]);
  });

  it('a window is found among 100k messages by binary search, and a too-wide one is thinned to the limit', () => {
    const timeline = new MessageTimeline(['n1', 'n2', 'n3']);
    const events: TraceEvent[] = [];
    for (let id = 1; id <= 100_000; id++) events.push(send(id * 10, id, `n${(id % 3) + 1}`, `n${((id + 1) % 3) + 1}`), deliver(id * 10 + 5, id, `n${(id % 3) + 1}`, `n${((id + 1) % 3) + 1}`));
    timeline.observe(events);
    expect(timeline.lowerBound(500_000)).toBe(49_999);
    expect(inWindow(timeline, 500_000, 500_100)).toEqual([50_000, 50_001, 50_002, 50_003, 50_004, 50_005, 50_006, 50_007, 50_008, 50_009, 50_010]);
    expect(inWindow(timeline, 0, 2_000_000, 1000).length).toBe(1000);
  });

  it('crashes and pauses become lane outages that end at restart or resume', () => {
    const timeline = new MessageTimeline(['n1', 'n2']);
    timeline.observe([{ t: 5, kind: 'node', node: 'n2', action: 'crash' }, { t: 9, kind: 'node', node: 'n2', action: 'restart' }, { t: 12, kind: 'node', node: 'n1', action: 'pause' }]);
    expect(timeline.outages).toEqual([
      { lane: 1, startUs: 5, endUs: 9, cause: 'crash' },
      { lane: 0, startUs: 12, endUs: null, cause: 'pause' },
    ]);
  });

  it('property: the window holds exactly the messages whose line crosses it', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gapUs: fc.integer({ min: 0, max: 50 }), flightUs: fc.integer({ min: 1, max: 400 }), dropped: fc.boolean() }), { maxLength: 80 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 500 }), (messages, startUs, spanUs) => {
        const timeline = new MessageTimeline(['n1', 'n2']);
        let t = 0;
        const ends: TraceEvent[] = [];
        const expected: number[] = [];
        messages.forEach((message, index) => {
          t += message.gapUs;
          timeline.observe([send(t, index + 1)]);
          const endUs = t + message.flightUs;
          ends.push(message.dropped ? drop(endUs, index + 1) : deliver(endUs, index + 1));
          if (t <= startUs + spanUs && endUs >= startUs) expected.push(index + 1);
        });
        ends.sort((a, b) => a.t - b.t);
        timeline.observe(ends);
        expect(inWindow(timeline, startUs, startUs + spanUs)).toEqual(expected);
      }),
    );
  });
});

describe('pointer and zoom', () => {
  const viewport: TimelineViewport = { startUs: 0, endUs: 1000, widthPx: 1100, heightPx: 200, laneCount: 2, marginLeftPx: 100 };

  it('time and pixels map both ways', () => {
    expect(timeX(viewport, 500)).toBe(600);
    expect(xTime(viewport, 600)).toBe(500);
  });

  it('hover finds the message under the pointer and its kind', () => {
    const timeline = new MessageTimeline(['n1', 'n2']);
    timeline.observe([send(100, 1, 'n1', 'n2', 'RequestVote'), deliver(300, 1), send(600, 2, 'n2', 'n1', 'AppendEntriesReply'), deliver(700, 2, 'n2', 'n1')]);
    // Lane 0 at y 50, lane 1 at y 150; message 1 runs from (200, 50) to (400, 150).
    expect(messageNear(timeline, viewport, 300, 100)?.kind).toBe('RequestVote');
    expect(messageNear(timeline, viewport, 750, 100)?.kind).toBe('AppendEntriesReply');
    expect(messageNear(timeline, viewport, 550, 100)).toBeNull();
  });

  it('zoom keeps the time under the pointer where it was', () => {
    const zoomed = zoomWindow({ startUs: 0, endUs: 1000 }, 0.5, 250);
    expect(zoomed).toEqual({ startUs: 125, endUs: 625 });
    expect(zoomWindow({ startUs: 0, endUs: 100 }, 0.01, 50).endUs - zoomWindow({ startUs: 0, endUs: 100 }, 0.01, 50).startUs).toBe(50);
  });
});
