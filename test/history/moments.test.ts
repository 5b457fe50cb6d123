import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../main/experimentFile';
import { RunController } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import { chartMomentsOf, detectMoments, MomentDetector, presetMoments, provenFromOracle, provenFromSummary, storyOf } from '../../src/history/moments';
import { traceFormat, type TraceEvent } from '../../src/history/trace';

const header: TraceEvent = { t: 0, kind: 'header', format: traceFormat, experiment: 'x', protocol: 'vr', seed: 1, nodes: ['n1', 'n2', 'n3'] };

describe('moments', () => {
  it('are found in the trace: one per elected term, partitions and heals, with the protocol’s words', () => {
    const moments = detectMoments([
      header,
      { t: 5, kind: 'role', node: 'n1', role: 'primary', term: 0, leader: 'n1' },
      { t: 6, kind: 'role', node: 'n1', role: 'primary', term: 0, leader: 'n1' },
      { t: 10, kind: 'fault', fault: 'partition', detail: 'n1 | n2 n3' },
      { t: 200_000, kind: 'role', node: 'n2', role: 'primary', term: 1, leader: 'n2' },
      { t: 300_000, kind: 'fault', fault: 'heal', detail: 'partitions healed' },
    ]);
    expect(moments.map((moment) => [moment.atUs, moment.kind, moment.caption])).toEqual([
      [5, 'leader-elected', 'n1 becomes primary of view 0.'],
      [10, 'partition', 'The network splits: n1 | n2 n3.'],
      [200_000, 'leader-elected', 'n2 becomes primary of view 1.'],
      [300_000, 'heal', 'The partition heals: every replica can reach every other again.'],
    ]);
  });

  it('elections within 150 ms of one another are one contest: a Paxos duel is one moment, not one per ballot', () => {
    const paxos: TraceEvent = { ...header, protocol: 'paxos' } as TraceEvent;
    const elected = (t: number, node: string, term: number): TraceEvent => ({ t, kind: 'role', node, role: 'leader', term, leader: node });
    const moments = detectMoments([paxos, elected(100_000, 'n3', 23), elected(140_000, 'n5', 35), elected(280_000, 'n3', 83), elected(420_000, 'n4', 104), elected(600_000, 'n5', 115)]);
    expect(moments.map((moment) => moment.caption)).toEqual(['n3 becomes leader of ballot 2.n3.', 'n5 becomes leader of ballot 11.n5.']);
  });

  it('the first stale read and the first lost write, at the instant their operation completed', () => {
    const detector = new MomentDetector();
    for (const event of [header, { t: 1, kind: 'invoke', op: 7, client: 1, node: 'n1', input: { f: 'read', key: 'x' } }, { t: 9, kind: 'complete', op: 7, client: 1, output: { type: 'ok', value: '1' } }, { t: 3, kind: 'complete', op: 4, client: 2, output: { type: 'ok' } }] as TraceEvent[]) detector.observe(event);
    const moments = detector.violationMoments([{ kind: 'stale-read', operation: 7 }, { kind: 'lost-write', operation: 4 }, { kind: 'lost-write', operation: 7 }]);
    expect(moments.map((moment) => [moment.kind, moment.atUs])).toEqual([['stale-read', 9], ['lost-write', 3]]);
  });

  it('a story puts the preset’s sentences first and drops detected moments next to them, except overwrites and violations', () => {
    const declared = presetMoments([{ atMs: 2, caption: 'The cut.' }]);
    const story = storyOf(declared, [
      { atUs: 2050, kind: 'partition', caption: 'The network splits.' },
      { atUs: 2100, kind: 'committed-overwritten', caption: 'Lost.' },
      { atUs: 900_000, kind: 'heal', caption: 'Healed.' },
    ]);
    expect(story.map((moment) => moment.caption)).toEqual(['The cut.', 'Lost.', 'Healed.']);
  });

  it('in the Figure 8 preset: the committed term-1 entries overwritten by n5’s term-2 entries, after n5 wins term 4', () => {
    const events: TraceEvent[] = [];
    new RunController(loadExperiment('raft-unsafe-figure-8'), { trace: (event) => events.push(event) }).runToEnd();
    const moments = detectMoments(events);
    const overwrite = moments.find((moment) => moment.kind === 'committed-overwritten');
    const elected = moments.filter((moment) => moment.kind === 'leader-elected').map((moment) => moment.caption);
    expect(elected.slice(0, 4)).toEqual(['n1 becomes leader of term 1.', 'n5 becomes leader of term 2.', 'n1 becomes leader of term 3.', 'n5 becomes leader of term 4.']);
    expect(overwrite?.caption).toMatch(/^n\d's committed entry at index \d+ \(term 1\) is overwritten by an entry of term 2 proposed by n5/);
    const termFour = moments.find((moment) => moment.caption === 'n5 becomes leader of term 4.');
    expect(overwrite?.atUs).toBeGreaterThan(termFour?.atUs ?? Number.POSITIVE_INFINITY);
  });
});

describe('violation moments from the checks', () => {
  it('a summary’s findings are read with care: kinds mapped, junk ignored', () => {
    const summary = { keyExplanations: [{ key: 'k1', groups: [{ kind: 'staleRead', operations: [12, 30] }, { kind: 'readYourWrites', operations: [40] }, { kind: 'nonsense', operations: [1] }, null] }, { groups: 'x' }] };
    expect(provenFromSummary(summary)).toEqual([
      { kind: 'stale-read', operation: 12 },
      { kind: 'stale-read', operation: 30 },
      { kind: 'read-your-writes', operation: 40 },
    ]);
    expect(provenFromSummary(null)).toEqual([]);
    expect(provenFromSummary({ keyExplanations: 3 })).toEqual([]);
  });

  it('in the Figure 8 run: the first stale read and the first lost write the oracle proved become moments, and the summary gives the same first ones', () => {
    const events: TraceEvent[] = [];
    const result = new RunController(loadExperiment('raft-unsafe-figure-8'), { trace: (event) => events.push(event) }).runToEnd();
    const fromOracle = detectMoments(events, provenFromOracle(result.violations)).filter((moment) => moment.kind === 'stale-read' || moment.kind === 'lost-write');
    expect(fromOracle.map((moment) => moment.kind).sort()).toEqual(['lost-write', 'stale-read']);
    const fromSummary = detectMoments(events, provenFromSummary(result.summary)).filter((moment) => moment.kind === 'stale-read' || moment.kind === 'lost-write');
    expect(fromSummary).toEqual(fromOracle);
    // Each names its offending operation, which the trace shows completing at that instant.
    for (const moment of fromOracle) {
      const operation = Number(/operation (\d+)/.exec(moment.caption)?.[1]);
      const completed = events.find((event) => event.kind === 'complete' && event.op === operation);
      expect(completed?.t, moment.caption).toBe(moment.atUs);
    }
    // As chart marks they are alarms.
    expect(chartMomentsOf(fromOracle).every((mark) => mark.alarm)).toBe(true);
  });
});

describe('moments in an experiment file', () => {
  const base = { protocol: 'raft', durationMs: 1000 };
  it('are accepted with an instant and a sentence', () => {
    expect(validateExperiment({ ...base, moments: [{ atMs: 500, caption: 'n1 leads.' }] }).moments).toEqual([{ atMs: 500, caption: 'n1 leads.' }]);
  });
  it('are refused by field: an empty caption, an instant after the end, an unknown field', () => {
    expect(() => validateExperiment({ ...base, moments: [{ atMs: 500, caption: ' ' }] })).toThrow(/moments\[0\]\.caption.*one sentence/);
    expect(() => validateExperiment({ ...base, moments: [{ atMs: 5000, caption: 'Late.' }] })).toThrow(/moments\[0\]\.atMs.*after the end of the run/);
    expect(() => validateExperiment({ ...base, moments: [{ atMs: 5, caption: 'x', at: 3 }] })).toThrow(/moments\[0\]/);
  });
});
