import { describe, expect, it } from 'vitest';
import { RunController } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import { fieldsMax, messageFields, sendLine } from '../../src/history/messageFields';
import type { TraceEvent } from '../../src/history/trace';
import { traceLine } from '../../src/run/digest';
import { traceEventSchema } from '../../src/history/traceSchema';

describe('message fields on send lines', () => {
  it('top-level scalars, arrays as lengths, nested scalars one level down; the kind, long strings and whole logs left out', () => {
    const appendEntries = { kind: 'AppendEntries', term: 3, leaderId: 'n1', prevLogIndex: 40, prevLogTerm: 2, entries: [{ term: 3, command: 'write x = 1' }, { term: 3, command: 'write x = 2' }], leaderCommit: 39, round: 7 };
    expect(messageFields(appendEntries, 'AppendEntries')).toEqual({ term: 3, leaderId: 'n1', prevLogIndex: 40, prevLogTerm: 2, 'entries[]': 2, leaderCommit: 39, round: 7 });
    expect(Object.keys(messageFields(appendEntries, 'AppendEntries') ?? {})).toEqual(['term', 'leaderId', 'prevLogIndex', 'prevLogTerm', 'entries[]', 'leaderCommit', 'round']);
    expect(messageFields({ type: 'P1a', ballot: { round: 4, leader: 'n2' }, state: 'x'.repeat(100), nested: { deep: { deeper: 1 } }, skip: undefined }, 'P1a')).toEqual({ 'ballot.round': 4, 'ballot.leader': 'n2' });
    expect(messageFields({ kind: 'Ping' }, 'Ping')).toBeNull();
    expect(messageFields('text', 'x')).toBeNull();
    expect(messageFields([1, 2], 'x')).toBeNull();
    const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i]));
    expect(Object.keys(messageFields(wide, 'x') ?? {})).toHaveLength(fieldsMax);
  });

  it('a send line puts fields between message and heartbeat, and the digest writes it byte for byte as JSON.stringify', () => {
    const line = sendLine(5, 1, 'n1', 'n2', 'AppendEntries', { kind: 'AppendEntries', term: 1, entries: [] }, true);
    expect(Object.keys(line)).toEqual(['t', 'kind', 'id', 'from', 'to', 'message', 'fields', 'heartbeat']);
    expect(traceLine(line)).toBe(JSON.stringify(line));
    for (const fields of [{ a: -0, b: 'x"y\n', c: true, d: null, e: 1e21, 'k"ey': 0.1 }, { nested: { no: 1 } }, {}]) {
      const unusual = { t: 1, kind: 'send', id: 2, from: 'n1', to: 'n2', message: 'M', fields } as unknown as TraceEvent;
      expect(traceLine(unusual)).toBe(JSON.stringify(unusual));
    }
    // The lab contract's trace schema keeps them, so the live trace has them as the file does.
    expect(traceEventSchema.parse(line)).toEqual(line);
    expect(sendLine(5, 1, 'n1', 'n2', 'Ping', { kind: 'Ping' }, false)).toEqual({ t: 5, kind: 'send', id: 1, from: 'n1', to: 'n2', message: 'Ping' });
  });

  for (const protocol of ['raft', 'vr', 'paxos'] as const) {
    it(`a ${protocol} run: every send line has the fields its protocol's messages hold, the same on a second run`, () => {
      const experiment = validateExperiment({ protocol, nodes: 3, seed: 4, durationMs: 800, workload: { clients: 2, ratePerSec: 50 } });
      const run = () => {
        const events: TraceEvent[] = [];
        new RunController(experiment, { trace: (event) => events.push(event) }).runToEnd();
        return events.filter((event): event is Extract<TraceEvent, { kind: 'send' }> => event.kind === 'send');
      };
      const sends = run();
      expect(sends.length).toBeGreaterThan(10);
      const withFields = sends.filter((event) => event.fields !== undefined);
      expect(withFields.length / sends.length).toBeGreaterThan(0.9);
      // Never a whole log: every value is a scalar, no string longer than 40 characters.
      for (const event of withFields) for (const value of Object.values(event.fields ?? {})) expect(typeof value === 'string' ? value.length <= 40 : value === null || typeof value !== 'object').toBe(true);
      expect(JSON.stringify(run())).toBe(JSON.stringify(sends));
      for (const event of sends) expect(traceLine(event)).toBe(JSON.stringify(event));
    });
  }
});
