import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../main/experimentFile';
import { RunController } from '../../src/experiment/run';
import { ReplicaLogs } from '../../src/history/replicaLogs';
import { traceFormat, type TraceEvent } from '../../src/history/trace';
import { LogFacts } from '../../src/protocol/logFacts';
import type { ObservedEvent } from '../../src/protocol/replica';

const header: TraceEvent = { t: 0, kind: 'header', format: traceFormat, experiment: 'x', protocol: 'raft', seed: 1, nodes: ['n1', 'n2', 'n3'] };

describe('log facts (protocol/logFacts.ts)', () => {
  it('coalesce consecutive appends of one term into one range, commands only for own proposals', () => {
    const facts = new LogFacts();
    const queue: ObservedEvent[] = [];
    facts.appended(1, 1, null, true);
    facts.appended(2, 1, { clientId: 2 as never, sequence: 5, command: { f: 'write', key: 'x', value: '3' } }, true);
    facts.appended(3, 2, null, false);
    facts.appended(4, 2, null, false);
    facts.truncated(4);
    facts.flushInto(queue, 2);
    facts.flushInto(queue, 2);
    expect(queue).toEqual([
      { kind: 'log-append', from: 1, to: 2, term: 1, commands: ['no-op', 'write x = 3 (c2#5)'] },
      { kind: 'log-append', from: 3, to: 4, term: 2 },
      { kind: 'log-truncate', from: 4 },
      { kind: 'applied', index: 2 },
    ]);
  });

  it('a restart reports the restored log as runs of one term, gaps kept', () => {
    const facts = new LogFacts();
    const queue: ObservedEvent[] = [];
    facts.restored(3, [{ index: 4, term: 1 }, { index: 5, term: 1 }, { index: 7, term: 2 }], 3);
    facts.flushInto(queue, 3);
    expect(queue).toEqual([{ kind: 'log-restore', snapshotIndex: 3, runs: [[4, 5, 1], [7, 7, 2]] }]);
  });
});

describe('replica logs (history/replicaLogs.ts)', () => {
  const events: TraceEvent[] = [
    header,
    { t: 10, kind: 'role', node: 'n1', role: 'leader', term: 1, leader: 'n1' },
    { t: 20, kind: 'log-append', node: 'n1', from: 1, to: 3, term: 1, commands: ['no-op', 'write x = 1 (c1#1)', 'write x = 2 (c1#2)'] },
    { t: 30, kind: 'log-append', node: 'n2', from: 1, to: 3, term: 1 },
    { t: 40, kind: 'commit', node: 'n1', commitIndex: 3 },
    { t: 45, kind: 'applied', node: 'n1', index: 3 },
    { t: 50, kind: 'log-append', node: 'n3', from: 1, to: 1, term: 1 },
    { t: 60, kind: 'role', node: 'n3', role: 'leader', term: 2, leader: 'n3' },
    { t: 70, kind: 'log-append', node: 'n3', from: 2, to: 3, term: 2, commands: ['write x = 9 (c2#1)', 'write x = 8 (c2#2)'] },
    { t: 80, kind: 'log-truncate', node: 'n2', from: 2 },
    { t: 80, kind: 'log-append', node: 'n2', from: 2, to: 3, term: 2 },
  ];

  it('gives each entry its command, proposer and instants, followers included', () => {
    const logs = ReplicaLogs.fromTrace(events);
    expect(logs.entry('n2', 1)).toMatchObject({ term: 1, command: 'no-op', proposer: 'n1', appendedAt: 30, committedAt: null, differsFromCommitted: false, overwrote: null });
    expect(logs.entry('n1', 2)).toMatchObject({ term: 1, command: 'write x = 1 (c1#1)', committedAt: 40, appliedAt: 45 });
  });

  it('flags entries that differ from what was committed, and keeps the overwritten version', () => {
    const logs = ReplicaLogs.fromTrace(events);
    const n3 = logs.entry('n3', 2);
    expect(n3).toMatchObject({ term: 2, proposer: 'n3', committedTerm: 1, differsFromCommitted: true, overwrote: null });
    const n2 = logs.entry('n2', 2);
    expect(n2).toMatchObject({ term: 2, differsFromCommitted: true, overwrote: { term: 1, command: 'write x = 1 (c1#1)', proposer: 'n1', appendedAt: 30, committedAt: null, overwrittenAt: 80 } });
    expect(logs.committedOverwrites).toEqual([
      { t: 80, node: 'n2', index: 2, oldTerm: 1, newTerm: 2 },
      { t: 80, node: 'n2', index: 3, oldTerm: 1, newTerm: 2 },
    ]);
  });

  it('at an earlier instant shows the log as it was then', () => {
    const logs = ReplicaLogs.fromTrace(events, 45);
    expect(logs.entry('n3', 1)).toBeNull();
    expect(logs.entry('n2', 3)).toMatchObject({ term: 1, differsFromCommitted: false });
    const [n1] = logs.window(1, 4);
    expect(n1).toMatchObject({ node: 'n1', lastIndex: 3, commitIndex: 3, appliedIndex: 3, snapshotIndex: 0 });
    expect(n1?.entries.map((entry) => entry?.term ?? null)).toEqual([1, 1, 1, null]);
  });

  it('an entry removed and written again with the same term is the same entry (a VR view change re-installing the log)', () => {
    const logs = ReplicaLogs.fromTrace([...events, { t: 90, kind: 'log-truncate', node: 'n1', from: 2 }, { t: 95, kind: 'log-append', node: 'n1', from: 2, to: 3, term: 1 }]);
    expect(logs.entry('n1', 2)).toMatchObject({ term: 1, appendedAt: 20, committedAt: 40, overwrote: null });
  });

  it('entries inside the snapshot and after a truncation are not held; a restart restores the disk log', () => {
    const logs = ReplicaLogs.fromTrace([
      ...events,
      { t: 100, kind: 'snapshot', node: 'n1', index: 2 },
      { t: 110, kind: 'node', node: 'n2', action: 'crash' },
    ]);
    expect(logs.entry('n1', 2)).toBeNull();
    expect(logs.entry('n1', 3)).not.toBeNull();
    expect(logs.window(1, 1)[1]?.down).toBe(true);
    logs.apply({ t: 120, kind: 'node', node: 'n2', action: 'restart' });
    logs.apply({ t: 120, kind: 'log-restore', node: 'n2', snapshotIndex: 0, runs: [[1, 1, 1]] });
    expect(logs.held('n2')).toEqual({ snapshotIndex: 0, entries: [[1, 1]] });
    expect(logs.window(1, 1)[1]).toMatchObject({ down: false, lastIndex: 1, commitIndex: 0 });
  });
});

describe('the Figure 8 preset in the logs', () => {
  it('n5 overwrites the term-1 entries n1 committed after the cut, and n5’s own term-2 entries there differ from them', () => {
    const events: TraceEvent[] = [];
    new RunController(loadExperiment('raft-unsafe-figure-8'), { trace: (event) => events.push(event) }).runToEnd();
    const logs = ReplicaLogs.fromTrace(events);
    const overwrites = logs.committedOverwrites;
    expect(overwrites.length).toBeGreaterThan(0);
    const first = overwrites[0];
    expect(first?.oldTerm).toBe(1);
    expect(first?.newTerm).toBe(2);
    // (d): after n1 and n2 crash at 6 s and n5 wins term 4; the entries are n1's writes after the 2 s cut.
    expect(first?.t).toBeGreaterThan(6_000_000);
    expect(first?.index).toBeGreaterThan(200);
    const atMoment = ReplicaLogs.fromTrace(events, first?.t);
    expect(atMoment.entry(first?.node ?? '', first?.index ?? 0)).toMatchObject({ term: 2, overwrote: { term: 1, proposer: 'n1', overwrittenAt: first?.t } });
    const n5 = atMoment.entry('n5', first?.index ?? 0);
    expect(n5).toMatchObject({ term: first?.newTerm, proposer: 'n5', differsFromCommitted: true, committedTerm: 1 });
  });
});
