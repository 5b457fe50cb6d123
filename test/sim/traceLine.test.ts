import { describe, expect, it } from 'vitest';
import { RunController } from '../../src/experiment/run';
import { traceLine } from '../../src/run/digest';
import { validateExperiment } from '../../src/experiment/schema';
import type { TraceEvent } from '../../src/history/trace';

/** A short run with drops, duplicates, partitions and crashes: every kind of trace line. */
function tracedRun(protocol: 'raft' | 'vr'): TraceEvent[] {
  const events: TraceEvent[] = [];
  const experiment = validateExperiment({
    protocol,
    nodes: 5,
    seed: 11,
    durationMs: 3000,
    workload: { clients: 4, ratePerSec: 200 },
    network: { drop: 0.05, duplicate: 0.05, reorder: 0.05 },
    nemesis: { kinds: ['partition', 'crash', 'pause', 'clock', 'drop', 'duplicate'], intervalMs: [200, 600] },
  });
  new RunController(experiment, { trace: (event) => events.push(event) }).runToEnd();
  return events;
}

describe('trace lines: the hand-written serializer writes exactly what JSON.stringify writes', () => {
  for (const protocol of ['raft', 'vr'] as const) {
    it(`every line of a ${protocol} run under a nemesis`, () => {
      const events = tracedRun(protocol);
      const kinds = new Set(events.map((event) => event.kind));
      for (const kind of ['send', 'deliver', 'drop', 'commit'] as const) expect(kinds).toContain(kind);
      for (const event of events) expect(traceLine(event)).toBe(JSON.stringify(event));
    });
  }

  it('strings that need escaping, fractional times, and events missing a field', () => {
    const unusual = [
      { t: 1.5, kind: 'send', id: 7, from: 'n"1', to: 'n\\2', message: 'Append\nEntries' },
      { t: 0, kind: 'deliver', id: 0, from: 'nö', to: 'n2', message: '\u2028' },
      { t: 3, kind: 'drop', id: 2, from: 'n1', to: 'n2', message: 'Prepare', reason: 'partition' },
      { t: 3, kind: 'drop', id: 2, from: 'n1', to: 'n2', message: 'Prepare' },
      { t: Number.NaN, kind: 'send', id: 1, from: 'n1', to: 'n2', message: 'Commit' },
      { t: 4, kind: 'send', id: 1, from: undefined, to: 'n2', message: 'Commit' },
      { t: 5, kind: 'commit', node: 'n1', commitIndex: 12 },
      { t: 5, kind: 'commit', node: 'n"1', commitIndex: 0.5 },
      { t: 5, kind: 'commit', node: 'n1' },
    ] as unknown as TraceEvent[];
    for (const event of unusual) expect(traceLine(event)).toBe(JSON.stringify(event));
  });
});
