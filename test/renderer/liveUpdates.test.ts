import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/history/trace';
import { ChartRedrawQueue, type QueuedChart } from '../../renderer/stores/chartRedraws';
import { type EventFilter, type EventGroup, FilteredEventLog, eventGroups, groupOf } from '../../renderer/stores/trace';
import { fakeClock } from './fakeFrameClock';

const nodes = ['n1', 'n2', 'n3'];
const allShown = Object.fromEntries(Object.keys(eventGroups).map((group) => [group, true])) as Record<EventGroup, boolean>;

const eventArbitrary: fc.Arbitrary<TraceEvent> = fc.oneof(
  fc.record({ t: fc.nat(), kind: fc.constant('send' as const), from: fc.constantFrom(...nodes), to: fc.constantFrom(...nodes), message: fc.constant('AppendEntries'), id: fc.nat() }) as fc.Arbitrary<TraceEvent>,
  fc.record({ t: fc.nat(), kind: fc.constant('role' as const), node: fc.constantFrom(...nodes), role: fc.constant('leader'), term: fc.nat(), leader: fc.constant(null) }) as fc.Arbitrary<TraceEvent>,
  fc.record({ t: fc.nat(), kind: fc.constant('commit' as const), node: fc.constantFrom(...nodes), commitIndex: fc.nat() }) as fc.Arbitrary<TraceEvent>,
);
const filterArbitrary: fc.Arbitrary<EventFilter> = fc.record({
  groups: fc.record(Object.fromEntries(Object.keys(eventGroups).map((group) => [group, fc.boolean()])) as Record<EventGroup, fc.Arbitrary<boolean>>),
  node: fc.constantFrom('', ...nodes),
});

/** The old way: keep the newest `capacity`, then filter them all. */
function reference(events: readonly TraceEvent[], capacity: number, filter: EventFilter): TraceEvent[] {
  const involves = (event: TraceEvent) => (event.kind === 'send' ? event.from === filter.node || event.to === filter.node : 'node' in event && event.node === filter.node);
  return events.slice(-capacity).filter((event) => filter.groups[groupOf(event)] && (filter.node === '' || involves(event)));
}

describe('the event log kept incrementally', () => {
  it('shows what copying the newest events and filtering them all would show, across filter changes and ring wrap-around', () => {
    fc.assert(
      fc.property(fc.array(eventArbitrary, { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), filterArbitrary, filterArbitrary, fc.nat(300), (events, capacity, before, after, switchAt) => {
        const log = new FilteredEventLog(capacity, before);
        events.forEach((event, index) => {
          if (index === switchAt) log.setFilter(after);
          log.push(event);
        });
        const filter = switchAt < events.length ? after : before;
        const expected = reference(events, capacity, filter);
        expect(log.count).toBe(Math.min(capacity, events.length));
        expect(log.shownCount).toBe(expected.length);
        expect(log.shownBetween(0, log.shownCount)).toEqual(expected);
        expect(log.all()).toEqual(events.slice(-capacity));
        const middle = Math.floor(expected.length / 2);
        expect(log.shownBetween(middle, middle + 3)).toEqual(expected.slice(middle, middle + 3));
      }),
    );
  });

  it('compacts its index of shown events on long runs (memory stays bounded by the ring)', () => {
    const log = new FilteredEventLog(100, { groups: allShown, node: '' });
    for (let t = 0; t < 50_000; t++) log.push({ t, kind: 'commit', node: 'n1', commitIndex: t });
    expect(log.shownCount).toBe(100);
    expect(log.shownBetween(99, 100)[0]).toMatchObject({ commitIndex: 49_999 });
    expect((log as unknown as { shown: number[] }).shown.length).toBeLessThanOrEqual(2_200);
  });
});

describe('the chart redraw queue', () => {
  it('redraws one chart per frame, each at most once per interval, and a request during the interval comes after it', () => {
    const clock = fakeClock();
    const queue = new ChartRedrawQueue(clock, 500);
    const drawn: string[] = [];
    const charts: QueuedChart[] = ['a', 'b', 'c'].map((name) => ({ redraw: () => drawn.push(name) }));
    charts.forEach((chart) => queue.request(chart));
    charts.forEach((chart) => queue.request(chart));
    expect(queue.pending).toBe(3);
    clock.frame();
    expect(drawn).toEqual(['a']);
    clock.frame();
    clock.frame();
    expect(drawn).toEqual(['a', 'b', 'c']);
    clock.frame();
    expect(drawn).toHaveLength(3);
    clock.advance(100);
    queue.request(charts[0] as QueuedChart);
    clock.frame();
    expect(drawn).toHaveLength(3);
    clock.advance(399);
    clock.frame();
    expect(drawn).toHaveLength(3);
    clock.advance(1);
    clock.frame();
    expect(drawn).toEqual(['a', 'b', 'c', 'a']);
  });

  it('redraws a chart in the next frame when asked now (a theme switch), even within its interval, and only once', () => {
    const clock = fakeClock();
    const queue = new ChartRedrawQueue(clock, 1000);
    const drawn: string[] = [];
    const chart: QueuedChart = { redraw: () => drawn.push('a') };
    queue.request(chart);
    clock.frame();
    clock.advance(100);
    queue.request(chart);
    queue.requestNow(chart);
    queue.requestNow(chart);
    clock.frame();
    expect(drawn).toEqual(['a', 'a']);
    clock.advance(1000);
    clock.frame();
    expect(drawn).toEqual(['a', 'a']);
  });

  it('drops the pending redraw of a forgotten chart', () => {
    const clock = fakeClock();
    const queue = new ChartRedrawQueue(clock, 500);
    const drawn: string[] = [];
    const chart: QueuedChart = { redraw: () => drawn.push('x') };
    queue.request(chart);
    queue.forget(chart);
    clock.frame();
    expect(drawn).toEqual([]);
  });
});
