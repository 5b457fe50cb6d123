import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/history/trace';
import { MessageFate, MessageTimeline, type TimelineViewport, laneY, timeX } from '../../renderer/diagram/messageTimeline';
import { type PaintOutcome, PaintScheduler } from '../../renderer/diagram/paintScheduler';
import { type SpaceTimeColours, type SpaceTimeSceneInput, sceneLineCount, spaceTimeScene } from '../../renderer/diagram/spaceTimeScene';
import { fakeClock } from './fakeFrameClock';

const send = (t: number, id: number, from = 'n1', to = 'n2'): TraceEvent => ({ t, kind: 'send', id, from, to, message: 'AppendEntries' });
const deliver = (t: number, id: number, from = 'n1', to = 'n2'): TraceEvent => ({ t, kind: 'deliver', id, from, to, message: 'AppendEntries' });
const drop = (t: number, id: number): TraceEvent => ({ t, kind: 'drop', id, from: 'n1', to: 'n2', message: 'AppendEntries', reason: 'partition' });

const colours: SpaceTimeColours = { text: '#111111', border: '#222222', accent: '#333333', bad: '#444444', warn: '#555555', good: '#666666' };
// Lanes at y 50 and 150; 1 µs per px from x 100.
const viewport: TimelineViewport = { startUs: 0, endUs: 1000, widthPx: 1100, heightPx: 200, laneCount: 2, marginLeftPx: 100 };

function sceneOf(timeline: MessageTimeline | null, overrides: Partial<SpaceTimeSceneInput> = {}) {
  return spaceTimeScene({ timeline, viewport, axisHeightPx: 18, pixelRatio: 1, colours, faults: [], cursorUs: null, hovered: null, ...overrides });
}

/** A scene's lines as [x1, y1, x2, y2, fate]. */
function linesOf(scene: ReturnType<typeof sceneOf>): number[][] {
  return Array.from(scene.fates, (fate, index) => [...scene.lines.slice(4 * index, 4 * index + 4)].concat(fate));
}

describe('the space-time diagram as a scene to paint elsewhere', () => {
  it('gives each message in the window its line in pixels: delivered and dropped to their end, in flight halfway to the window’s end', () => {
    const timeline = new MessageTimeline(['n1', 'n2']);
    timeline.observe([send(100, 1), send(200, 2), send(600, 3, 'n2', 'n1'), deliver(300, 1), drop(400, 2)]);
    const scene = sceneOf(timeline);
    expect(linesOf(scene)).toEqual([
      [200, 50, 400, 150, MessageFate.Delivered],
      [300, 50, 500, 150, MessageFate.Dropped],
      [700, 150, 1100, 100, MessageFate.InFlight],
    ]);
    expect(sceneLineCount(scene)).toBe(3);
    expect(scene.lanes).toEqual([
      { label: 'n1', y: 50 },
      { label: 'n2', y: 150 },
    ]);
    expect(scene).toMatchObject({ widthPx: 1100, heightPx: 218, lanesHeightPx: 200, lanesStartPx: 100, axis: { startText: '0.0 ms', endText: '1.0 ms' } });
  });

  it('shades fault windows across the lanes and each lane’s outage, clipped to the window', () => {
    const timeline = new MessageTimeline(['n1', 'n2']);
    timeline.observe([{ t: 300, kind: 'node', node: 'n2', action: 'crash' }, { t: 500, kind: 'node', node: 'n2', action: 'restart' }, { t: 800, kind: 'node', node: 'n1', action: 'pause' }]);
    const scene = sceneOf(timeline, { faults: [{ kind: 'partition', detail: 'n1 | n2', startMs: 0.2, endMs: 0.4 }] });
    expect(scene.shades).toEqual([
      { x: 300, y: 0, width: 200, height: 200, colour: '#55555522' },
      { x: 400, y: 102, width: 200, height: 96, colour: '#44444433' },
      { x: 900, y: 2, width: 200, height: 96, colour: '#55555533' },
    ]);
  });

  it('places the replay’s cursor and the hovered line, and is empty (no axis) without a timeline', () => {
    const timeline = new MessageTimeline(['n1', 'n2']);
    timeline.observe([send(100, 1), deliver(300, 1)]);
    const hovered = { slot: 0, id: 1, fromLane: 0, toLane: 1, sendUs: 100, endUs: 300, fate: MessageFate.Delivered, kind: 'AppendEntries' };
    expect(sceneOf(timeline, { cursorUs: 250, hovered })).toMatchObject({ cursorX: 350, highlight: [200, 50, 400, 150] });
    expect(sceneOf(null)).toMatchObject({ lanes: [], shades: [], axis: null, cursorX: null, highlight: null });
    expect(sceneLineCount(sceneOf(null))).toBe(0);
  });

  it('gives every scene arrays of its own (the worker takes their buffers), however many lines', () => {
    const timeline = new MessageTimeline(['n1', 'n2']);
    const events: TraceEvent[] = [];
    for (let id = 1; id <= 3000; id++) events.push(send(id / 4, id), deliver(id / 4 + 10, id));
    timeline.observe(events);
    const first = sceneOf(timeline);
    const copy = first.lines.slice();
    const second = sceneOf(timeline, { viewport: { ...viewport, startUs: 500 } });
    expect(first.lines).toEqual(copy);
    expect(first.lines.buffer).not.toBe(second.lines.buffer);
    expect(sceneLineCount(first)).toBe(3000);
    expect(sceneOf(timeline, { linesMax: 100 }).fates).toHaveLength(100);
  });

  it('property: the lines are those forEachInWindow visits, in its order, mapped to pixels', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gapUs: fc.integer({ min: 0, max: 60 }), flightUs: fc.integer({ min: 1, max: 400 }), fate: fc.constantFrom('deliver', 'drop', 'none'), up: fc.boolean() }), { maxLength: 60 }), fc.integer({ min: 0, max: 2000 }), (messages, startUs) => {
        const timeline = new MessageTimeline(['n1', 'n2']);
        const ends: TraceEvent[] = [];
        let t = 0;
        messages.forEach((message, index) => {
          t += message.gapUs;
          timeline.observe([message.up ? send(t, index + 1) : send(t, index + 1, 'n2', 'n1')]);
          if (message.fate === 'deliver') ends.push(message.up ? deliver(t + message.flightUs, index + 1) : deliver(t + message.flightUs, index + 1, 'n2', 'n1'));
          if (message.fate === 'drop') ends.push(drop(t + message.flightUs, index + 1));
        });
        timeline.observe(ends.sort((a, b) => a.t - b.t));
        const view = { ...viewport, startUs, endUs: startUs + 1000 };
        const expected: number[][] = [];
        timeline.forEachInWindow(view.startUs, view.endUs, (message) => {
          const y1 = laneY(view, message.fromLane);
          const inFlight = message.fate === MessageFate.InFlight;
          const y2 = inFlight ? (y1 + laneY(view, message.toLane)) / 2 : laneY(view, message.toLane);
          expected.push([timeX(view, message.sendUs), y1, timeX(view, inFlight ? Math.max(message.sendUs, view.endUs) : message.endUs), y2, message.fate]);
        });
        const lines = linesOf(sceneOf(timeline, { viewport: view }));
        expect(lines.map((line) => line.map((value) => Math.round(value * 100) / 100))).toEqual(expected.map((line) => line.map((value) => Math.round(value * 100) / 100)));
      }),
    );
  });
});

describe('the paint scheduler of a canvas painted elsewhere', () => {
  function scheduled(outcome: () => PaintOutcome = () => 'sent') {
    const clock = fakeClock();
    const painted: number[] = [];
    const scheduler = new PaintScheduler(
      clock,
      () => {
        painted.push(clock.now);
        return outcome();
      },
      200,
    );
    return { clock, painted, scheduler };
  }

  it('makes one picture per frame however often it is asked, and none while the painter is busy', () => {
    const { clock, painted, scheduler } = scheduled();
    scheduler.request();
    scheduler.request();
    clock.frame();
    expect(painted).toEqual([0]);
    expect(scheduler.busy).toBe(true);
    scheduler.request();
    clock.frame();
    expect(painted).toEqual([0]);
    clock.advance(30);
    scheduler.done();
    clock.frame();
    expect(painted).toEqual([0, 30]);
    clock.frame();
    expect(painted).toEqual([0, 30]);
  });

  it('lets a grown timeline wait for the interval, but paints what the user did in the next frame', () => {
    const { clock, painted, scheduler } = scheduled(() => 'painted');
    scheduler.request(true);
    clock.frame();
    expect(painted).toEqual([0]);
    clock.advance(50);
    scheduler.request(true);
    scheduler.request(true);
    clock.frame();
    expect(painted).toEqual([0]);
    scheduler.request();
    clock.frame();
    expect(painted).toEqual([0, 50]);
    clock.advance(150);
    clock.frame();
    expect(painted).toEqual([0, 50, 200]);
    clock.advance(300);
    scheduler.request(true);
    clock.frame();
    expect(painted).toEqual([0, 50, 200, 500]);
    expect(clock.timers).toEqual([]);
  });

  it('keeps the request while the painter is not ready, and paints nothing once disposed', () => {
    let ready = false;
    const { clock, painted, scheduler } = scheduled(() => (ready ? 'painted' : 'not-ready'));
    scheduler.request();
    clock.frame();
    expect(painted).toHaveLength(1);
    ready = true;
    scheduler.request(true);
    clock.frame();
    expect(painted).toHaveLength(2);
    scheduler.dispose();
    scheduler.request();
    clock.frame();
    expect(painted).toHaveLength(2);
  });
});
