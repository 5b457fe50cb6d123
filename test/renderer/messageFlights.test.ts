import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/history/trace';
import {
  AnimationClock,
  MessageFlights,
  batchSpreadMsFirst,
  dieAtFractionOnArrival,
  dieAtFractionOnSend,
  dropFadeMs,
  evenlySpaced,
  fairQuotas,
  flightLifeEndMs,
  flightMsMax,
  flightMsMin,
  flightMsTarget,
  flightsShownMax,
  flightsShownPerLinkMax,
  forEachFlightAt,
  isReplyKind,
  kindFamilyOf,
  pendingSendsKeptMax,
} from '../../renderer/diagram/messageFlights';
import { clockTimeAt, countOffsetPx, flightCountsScene, flightDotsScene } from '../../renderer/diagram/flightScene';
import { kindColour, legendOf } from '../../renderer/diagram/messageKinds';

const send = (t: number, id: number, from = 'n1', to = 'n2', message = 'AppendEntries'): TraceEvent => ({ t, kind: 'send', id, from, to, message });
const deliver = (t: number, id: number, from = 'n1', to = 'n2', message = 'AppendEntries'): TraceEvent => ({ t, kind: 'deliver', id, from, to, message });
const drop = (t: number, id: number, from = 'n1', to = 'n2', message = 'AppendEntries'): TraceEvent => ({ t, kind: 'drop', id, from, to, message, reason: 'partition' });

/** Where each dot is at `atMs`: [from, to, kind, fraction, fade]. */
function dotsAt(flights: MessageFlights, atMs: number): Array<[string, string, string, number, number | null]> {
  const dots: Array<[string, string, string, number, number | null]> = [];
  flights.forEachAt(atMs, (flight, fraction, fade) => dots.push([flights.nodes[flight.fromIndex]!, flights.nodes[flight.toIndex]!, flights.kinds[flight.kindIndex]!, fraction, fade]));
  return dots;
}

describe('kinds: a reply shares its request’s colour', () => {
  it('names the family of requests and replies of both protocols', () => {
    expect(kindFamilyOf('RequestVoteReply')).toBe('RequestVote');
    expect(kindFamilyOf('PrepareOk')).toBe('Prepare');
    expect(kindFamilyOf('RecoveryResponse')).toBe('Recovery');
    expect(kindFamilyOf('AppendEntries')).toBe('AppendEntries');
    expect(isReplyKind('CommitOk')).toBe(true);
    expect(isReplyKind('Commit')).toBe(false);
    expect(isReplyKind('Ok')).toBe(false);
  });

  it('gives a request and its reply one colour, other families others, in both themes', () => {
    for (const theme of ['light', 'dark'] as const) {
      expect(kindColour('AppendEntriesReply', theme)).toBe(kindColour('AppendEntries', theme));
      expect(kindColour('PrepareOk', theme)).toBe(kindColour('AppendEntries', theme));
      expect(kindColour('RequestVote', theme)).not.toBe(kindColour('AppendEntries', theme));
      expect(kindColour('SomethingNew', theme)).toBe(kindColour('SomethingNew', theme));
    }
    expect(kindColour('AppendEntries', 'light')).not.toBe(kindColour('AppendEntries', 'dark'));
  });

  it('lists the legend by family, in the order first seen, hidden only when every kind of it is', () => {
    const hidden = new Set(['RequestVote']);
    expect(legendOf(['AppendEntries', 'RequestVote', 'AppendEntriesReply', 'RequestVoteReply'], (kind) => hidden.has(kind))).toEqual([
      { family: 'AppendEntries', kinds: ['AppendEntries', 'AppendEntriesReply'], hasReply: true, hidden: false },
      { family: 'RequestVote', kinds: ['RequestVote', 'RequestVoteReply'], hasReply: true, hidden: false },
    ]);
    hidden.add('RequestVoteReply');
    expect(legendOf(['RequestVote', 'RequestVoteReply'], (kind) => hidden.has(kind))[0]!.hidden).toBe(true);
  });
});

describe('fair sampling: every link and kind gets the same share of the budget', () => {
  it('takes small strata whole and splits the rest equally, the remainder rotating', () => {
    expect(fairQuotas([1, 100, 100], 10, 0)).toEqual([1, 5, 4]);
    expect(fairQuotas([1, 100, 100], 10, 1)).toEqual([1, 4, 5]);
    expect(fairQuotas([3, 4], 10)).toEqual([3, 4]);
    expect(fairQuotas([5, 5, 5], 2, 2)).toEqual([1, 0, 1]);
    expect(fairQuotas([5, 5], 0)).toEqual([0, 0]);
  });

  it('never exceeds the budget or a stratum, spends all it may, and no stratum gets two more than a cut one', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 40 }), fc.integer({ min: 0, max: 400 }), fc.nat(50), (sizes, budget, rotation) => {
        const quotas = fairQuotas(sizes, budget, rotation);
        const total = sizes.reduce((sum, size) => sum + size, 0);
        expect(quotas.reduce((sum, quota) => sum + quota, 0)).toBe(Math.min(total, budget));
        quotas.forEach((quota, index) => expect(quota).toBeLessThanOrEqual(sizes[index]!));
        for (let i = 0; i < sizes.length; i++) {
          if (quotas[i]! >= sizes[i]!) continue;
          for (const other of quotas) expect(other).toBeLessThanOrEqual(quotas[i]! + 1);
        }
      }),
    );
  });

  it('picks evenly spaced positions, all different', () => {
    expect(evenlySpaced(10, 2)).toEqual([2, 7]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 }), (size, wanted) => {
        const count = Math.min(size, wanted);
        const positions = evenlySpaced(size, count);
        expect(new Set(positions).size).toBe(count);
        positions.forEach((position) => expect(position >= 0 && position < size).toBe(true));
      }),
    );
  });
});

describe('a flight in slow motion', () => {
  it('stretches the typical flight to the target time and moves at a constant pace', () => {
    const flights = new MessageFlights(['n1', 'n2', 'n3']);
    flights.observe([send(1000, 1), deliver(3000, 1)], 0);
    // The median flight is 2 ms of lab time; it lasts flightMsTarget on screen.
    expect(flights.slowMotionFactor).toBeCloseTo(flightMsTarget / 2);
    expect(dotsAt(flights, 0)).toEqual([['n1', 'n2', 'AppendEntries', 0, null]]);
    expect(dotsAt(flights, flightMsTarget / 2)[0]![3]).toBeCloseTo(0.5);
    expect(dotsAt(flights, flightMsTarget)).toEqual([]);
    expect(flights.isIdle(flightMsTarget)).toBe(true);
    flights.prune(flightMsTarget);
    expect(flights.flights).toHaveLength(0);
  });

  it('keeps a slow or quick flight within the screen bounds, relative to the typical one', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    // Median 2 ms: 100 ms is held at the top, 0.1 ms at the bottom, 3 ms stays in proportion.
    flights.observe([send(0, 1), deliver(2000, 1), send(0, 2), deliver(2000, 2), send(0, 3), deliver(2000, 3)], 0);
    flights.observe([send(10_000, 4), send(10_000, 5), send(10_000, 6), deliver(10_100, 4), deliver(13_000, 5), deliver(110_000, 6)], 100);
    const durations = flights.flights.filter((flight) => flight.launchMs >= 100).map((flight) => flight.durationMs);
    expect(durations).toEqual([flightMsMin, 1.5 * flightMsTarget, flightMsMax]);
  });

  it('a message dropped as it was sent dies half-way; one dropped on arrival dies near the receiver; the cross fades', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    flights.observe([send(0, 1), deliver(2000, 1)], 0);
    flights.observe([send(5000, 2), drop(5000, 2), send(5000, 3), drop(7000, 3)], 1000);
    const dropped = flights.flights.filter((flight) => flight.dropped);
    expect(dropped.map((flight) => flight.reachFraction)).toEqual([dieAtFractionOnSend, dieAtFractionOnArrival]);
    const onSend = dropped[0]!;
    expect(onSend.durationMs).toBeCloseTo(flightMsTarget * dieAtFractionOnSend);
    const died = onSend.launchMs + onSend.durationMs;
    expect(dotsAt(flights, died - 1).find((dot) => dot[3] < 0.6)?.[4]).toBeNull();
    const fading = dotsAt(flights, died + dropFadeMs / 2).find((dot) => dot[4] !== null);
    expect(fading?.[3]).toBe(dieAtFractionOnSend);
    expect(fading?.[4]).toBeCloseTo(0.5);
    expect(dotsAt(flights, died + dropFadeMs + 1).some((dot) => dot[3] === dieAtFractionOnSend)).toBe(false);
  });

  it('replays a batch’s sends over the time since the previous batch, in their order', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    flights.observe([send(0, 1), send(50_000, 2), send(100_000, 3), deliver(101_000, 1), deliver(101_000, 2), deliver(101_000, 3)], 40);
    expect(flights.flights.map((flight) => flight.launchMs)).toEqual([40, 40 + (batchSpreadMsFirst * 50) / 101, 40 + (batchSpreadMsFirst * 100) / 101]);
    flights.observe([send(101_000, 4), send(200_000, 5), deliver(201_000, 4), deliver(202_000, 5)], 240);
    const second = flights.flights.filter((flight) => flight.launchMs >= 240).map((flight) => flight.launchMs);
    expect(second[0]).toBe(240);
    expect(second[1]).toBeCloseTo(240 + 200 * (99 / 101));
  });
});

describe('a bounded, fair sample with true counts', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const kinds = ['AppendEntries', 'AppendEntriesReply', 'RequestVote'];

  /** One batch of `count` messages over every directed link and kind, each delivered 1 ms after its send. */
  function busyBatch(firstId: number, count: number, startUs: number): TraceEvent[] {
    const events: TraceEvent[] = [];
    for (let i = 0; i < count; i++) {
      const from = nodes[i % 5]!;
      const to = nodes[(i + 1 + (Math.floor(i / 5) % 4)) % 5]!;
      const kind = kinds[Math.floor(i / 20) % 3]!;
      events.push(send(startUs + i, firstId + i, from, to, kind), deliver(startUs + i + 1000, firstId + i, from, to, kind));
    }
    return events;
  }

  it('never has more than flightsShownMax dots, and the rates count what was offered and shown', () => {
    const flights = new MessageFlights(nodes);
    let shown = 0;
    for (let batch = 0; batch < 30; batch++) {
      const atMs = batch * 100;
      flights.observe(busyBatch(batch * 2000, 2000, batch * 100_000), atMs);
      shown += flights.flights.filter((flight) => flight.launchMs >= atMs).length;
      expect(flights.flights.length).toBeLessThanOrEqual(flightsShownMax);
    }
    const rates = flights.rates(2900);
    // The window is the last 2 s: batches at 1000 … 2900 ms (20 of them).
    expect(rates.offeredPerSecond).toBe((20 * 2000) / 2);
    expect(rates.shownPerSecond).toBeGreaterThan(0);
    expect(rates.shownPerSecond * 2).toBeLessThanOrEqual(shown);
    expect(rates.hiddenPerSecond).toBe(0);
  });

  it('gives every link and kind a dot when the budget allows one each', () => {
    const flights = new MessageFlights(nodes);
    flights.observe(busyBatch(0, 2000, 0), 0);
    const strata = new Set(flights.flights.map((flight) => `${flight.fromIndex}>${flight.toIndex}:${flight.kindIndex}`));
    const offered = new Set<string>();
    for (let i = 0; i < 2000; i++) offered.add(`${i % 5}>${(i + 1 + (Math.floor(i / 5) % 4)) % 5}:${Math.floor(i / 20) % 3}`);
    const budget = Math.ceil((flightsShownMax * batchSpreadMsFirst) / flightMsTarget);
    expect(flights.flights).toHaveLength(budget);
    expect(strata.size).toBe(Math.min(budget, offered.size));
  });

  it('keeps at most flightsShownPerLinkMax dots on one directed link, so each can be followed', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    for (let batch = 0; batch < 5; batch++) {
      const events: TraceEvent[] = [];
      for (let i = 0; i < 500; i++) {
        const id = batch * 1000 + i;
        events.push(send(batch * 100_000 + i, id, 'n1', 'n2', i % 2 === 0 ? 'AppendEntries' : 'RequestVote'), deliver(batch * 100_000 + i + 1000, id, 'n1', 'n2', i % 2 === 0 ? 'AppendEntries' : 'RequestVote'));
      }
      flights.observe(events, batch * 100);
      expect(flights.flights.length).toBe(flightsShownPerLinkMax);
    }
    expect(new Set(flights.flights.map((flight) => flight.kindIndex)).size).toBe(2);
  });

  it('counts the rate over the time since counting began when that is shorter than the window', () => {
    const flights = new MessageFlights(nodes, 1000);
    flights.observe(busyBatch(0, 100, 0), 1100);
    expect(flights.rates(1500)).toMatchObject({ offeredPerSecond: 100 / 0.5, windowMs: 500 });
  });

  it('says its rates are lower bounds while a batch the lab cut short is in the window, and not after', () => {
    const flights = new MessageFlights(nodes, 1000);
    flights.observe(busyBatch(0, 100, 0), 1100);
    expect(flights.rates(1100).partial).toBe(false);
    flights.observe(busyBatch(1, 100, 100_000), 1200, 4_000);
    expect(flights.rates(1300)).toMatchObject({ partial: true });
    flights.observe(busyBatch(2, 100, 200_000), 4000);
    expect(flights.rates(4000).partial).toBe(false);
  });

  it('draws but does not count the batch that arrived as counting began: it holds messages from before', () => {
    const flights = new MessageFlights(nodes, 1000);
    flights.observe(busyBatch(0, 100, 0), 1000);
    expect(flights.flights.length).toBeGreaterThan(0);
    expect(flights.rates(1000)).toEqual({ offeredPerSecond: 0, shownPerSecond: 0, hiddenPerSecond: 0, windowMs: 0, partial: false });
    expect(flights.rates(1400).offeredPerSecond).toBe(0);
    expect(flights.linkRates(1000)).toEqual([]);
  });
});

describe('what is counted and what is not', () => {
  it('a duplicate delivery counts once; client traffic and unknown ids are not messages between replicas', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    flights.observe([send(0, 1), deliver(1000, 1), deliver(1500, 1), send(0, 2, 'c1', 'n1'), deliver(900, 2, 'c1', 'n1'), deliver(1000, 99)], 500);
    expect(flights.flights).toHaveLength(1);
    expect(flights.rates(500).offeredPerSecond).toBeCloseTo(1 / 0.5);
  });

  it('a delivery in a later batch finds its send', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    flights.observe([send(0, 1)], 100);
    expect(flights.flights).toHaveLength(0);
    flights.observe([deliver(2000, 1)], 200);
    expect(flights.flights).toHaveLength(1);
  });

  it('forgets the oldest sends beyond the ring: their fate is then neither shown nor counted', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    const sends: TraceEvent[] = [];
    for (let id = 0; id <= pendingSendsKeptMax; id++) sends.push(send(id, id));
    flights.observe(sends, 100);
    flights.observe([deliver(pendingSendsKeptMax + 10, 0), deliver(pendingSendsKeptMax + 10, pendingSendsKeptMax)], 200);
    expect(flights.flights).toHaveLength(1);
    expect(flights.rates(200).offeredPerSecond).toBeCloseTo(1 / 0.2);
  });

  it('a hidden kind is neither drawn nor sampled, only counted as hidden; its dots in flight go at once', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    flights.observe([send(0, 1), deliver(1000, 1), send(0, 2, 'n1', 'n2', 'RequestVote'), deliver(1000, 2, 'n1', 'n2', 'RequestVote')], 0);
    expect(flights.flights).toHaveLength(2);
    flights.setHidden('AppendEntries', true);
    expect(flights.isHidden('AppendEntries')).toBe(true);
    expect(dotsAt(flights, 10).map((dot) => dot[2])).toEqual(['RequestVote']);
    flights.observe([send(2000, 3), deliver(3000, 3)], 100);
    expect(flights.flights.map((flight) => flights.kinds[flight.kindIndex])).toEqual(['RequestVote']);
    expect(flights.rates(100).hiddenPerSecond).toBeCloseTo(1 / 0.1);
    flights.setHidden('AppendEntries', false);
    flights.observe([send(4000, 4), deliver(5000, 4)], 200);
    expect(flights.flights.map((flight) => flights.kinds[flight.kindIndex])).toEqual(['RequestVote', 'AppendEntries']);
  });

  it('counts each directed link’s messages for the still picture, hidden kinds too', () => {
    const flights = new MessageFlights(['n1', 'n2', 'n3']);
    flights.setHidden('AppendEntries', true);
    flights.observe([send(0, 1), deliver(1000, 1), send(0, 2), drop(0, 2), send(0, 3, 'n3', 'n1'), deliver(1000, 3, 'n3', 'n1')], 1000);
    expect(flights.linkRates(1000)).toEqual([
      { fromIndex: 0, toIndex: 1, perSecond: 2 },
      { fromIndex: 2, toIndex: 0, perSecond: 1 },
    ]);
    expect(flights.linkRates(4000)).toEqual([]);
  });
});

describe('the animation clock', () => {
  it('runs with the wall clock, stands still while paused, and skips a long gap', () => {
    const clock = new AnimationClock(250);
    expect(clock.advance(1000, true)).toBe(0);
    expect(clock.advance(1016, true)).toBe(16);
    expect(clock.advance(5000, false)).toBe(16);
    expect(clock.advance(5016, true)).toBe(32);
    expect(clock.advance(9000, true)).toBe(282);
  });
});

describe('the animation clock while dots fly elsewhere', () => {
  it('passes the wall time in full while dots fly, and skips only the quiet gap after the last one', () => {
    const clock = new AnimationClock(250);
    clock.advance(0, true);
    // The last dot leaves at 1000: a 3 s gap is 1000 of flight and 250 of the quiet after it.
    expect(clock.advance(3000, true, 1000)).toBe(1250);
    expect(clock.advance(3100, true, 900)).toBe(1350);
    expect(clock.advance(9000, false, 5000)).toBe(1350);
  });

  it('knows when the last dot leaves', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    expect(flights.flyingUntilMs).toBe(Number.NEGATIVE_INFINITY);
    flights.observe([send(0, 1), deliver(2000, 1), send(0, 2), drop(2000, 2)], 100);
    expect(flights.flyingUntilMs).toBe(Math.max(...flights.flights.map(flightLifeEndMs)));
    expect(flights.isIdle(flights.flyingUntilMs)).toBe(true);
    expect(flights.isIdle(flights.flyingUntilMs - 1)).toBe(false);
  });
});

describe('the cluster graph’s messages as a scene to paint elsewhere', () => {
  const size = { widthPx: 440, heightPx: 330, pixelRatio: 2, colours: { bad: '#aa0000', surface: '#ffffff', text: '#555555' } };
  const segments = [null, { x1: 0, y1: 0, x2: 100, y2: 0 }, { x1: 100, y1: 10, x2: 0, y2: 10 }, null];

  it('carries the flights, each kind’s colour and ring, and a clock that runs only while playing', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    flights.observe([send(0, 1), deliver(2000, 1), send(0, 2, 'n2', 'n1', 'AppendEntriesReply'), deliver(2000, 2, 'n2', 'n1', 'AppendEntriesReply')], 0);
    const clock = { animationMs: 400, wallMs: 10_000, playing: true };
    const scene = flightDotsScene({ ...size, segments, nodeCount: 2, kinds: flights.kinds, colourOf: (kind) => kindColour(kind, 'light'), flights: flights.flights, clock });
    expect(scene.kindColours).toEqual(flights.kinds.map((kind) => kindColour(kind, 'light')));
    expect(scene.replies).toEqual([false, true]);
    expect(scene.flights).toHaveLength(2);
    expect(clockTimeAt(clock, 10_250)).toBe(650);
    expect(clockTimeAt({ ...clock, playing: false }, 10_250)).toBe(400);
    expect(clockTimeAt(clock, 9_000)).toBe(400);
  });

  it('the same dots as the flights’ own walk at any instant', () => {
    const flights = new MessageFlights(['n1', 'n2']);
    flights.observe([send(0, 1), deliver(2000, 1), send(500, 2), drop(500, 2)], 0);
    for (const atMs of [0, 200, 400, 900, 1400]) {
      const own: unknown[] = [];
      const walked: unknown[] = [];
      flights.forEachAt(atMs, (...dot) => own.push(dot));
      forEachFlightAt(flights.flights, atMs, (...dot) => walked.push(dot));
      expect(walked).toEqual(own);
    }
  });

  it('writes each link’s rate beside the middle of its line, each direction on its own side', () => {
    const scene = flightCountsScene({
      ...size,
      segments,
      nodeCount: 2,
      rates: [
        { fromIndex: 0, toIndex: 1, perSecond: 2.5 },
        { fromIndex: 1, toIndex: 0, perSecond: 40.4 },
        { fromIndex: 1, toIndex: 1, perSecond: 9 },
      ],
    });
    expect(scene.labels).toEqual([
      { text: '2.5/s', x: 50, y: countOffsetPx },
      { text: '40/s', x: 50, y: 10 - countOffsetPx },
    ]);
  });
});
