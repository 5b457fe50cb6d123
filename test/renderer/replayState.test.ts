import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/history/trace';
import { ReplayIndex, TraceReadError, parseTraceText } from '../../renderer/replay/replayState';
import { RunController } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';

const header: TraceEvent = { t: 0, kind: 'header', format: 'caplab-trace/1', experiment: 'x', protocol: 'raft', seed: 1, nodes: ['n1', 'n2', 'n3'] };
const trace: TraceEvent[] = [
  header,
  { t: 100, kind: 'role', node: 'n1', role: 'candidate', term: 1, leader: null },
  { t: 200, kind: 'role', node: 'n1', role: 'leader', term: 1, leader: 'n1' },
  { t: 200, kind: 'role', node: 'n2', role: 'follower', term: 1, leader: 'n1' },
  { t: 300, kind: 'invoke', op: 7, client: 1, node: 'n1', input: { f: 'read', key: 'k1' } },
  { t: 400, kind: 'commit', node: 'n1', commitIndex: 3 },
  { t: 500, kind: 'node', node: 'n1', action: 'crash' },
  { t: 600, kind: 'role', node: 'n2', role: 'leader', term: 2, leader: 'n2' },
  { t: 700, kind: 'node', node: 'n1', action: 'restart' },
  { t: 800, kind: 'role', node: 'n1', role: 'follower', term: 2, leader: 'n2' },
  { t: 900, kind: 'node', node: 'n3', action: 'pause' },
];

describe('replay: every replica state at any instant, from the trace alone', () => {
  it('derives role, term, leader, commit index and up/paused at each position, with and without checkpoints', () => {
    for (const every of [1, 3, 2000]) {
      const replay = new ReplayIndex(trace, every);
      expect(replay.nodes).toEqual(['n1', 'n2', 'n3']);
      expect(replay.statesAt(0).map((state) => state.role)).toEqual([null, null, null]);
      const atLeader = replay.statesAt(replay.positionAt(450));
      expect(atLeader[0]).toEqual({ id: 'n1', up: true, paused: false, role: 'leader', term: 1, leader: 'n1', commitIndex: 3 });
      expect(atLeader[1]?.leader).toBe('n1');
      const crashed = replay.statesAt(replay.positionAt(650));
      expect(crashed[0]?.up).toBe(false);
      expect(crashed[1]).toMatchObject({ role: 'leader', term: 2 });
      const restarted = replay.statesAt(replay.positionAt(750));
      expect(restarted[0]).toMatchObject({ up: true, role: null, commitIndex: 3 });
      expect(replay.statesAt(trace.length)[0]).toMatchObject({ role: 'follower', term: 2, leader: 'n2' });
      expect(replay.statesAt(trace.length)[2]?.paused).toBe(true);
    }
  });

  it('seeking: positions of instants, times of positions, operations by id', () => {
    const replay = new ReplayIndex(trace);
    expect(replay.positionAt(-1)).toBe(0);
    expect(replay.positionAt(200)).toBe(4); // both events at 200 are applied
    expect(replay.timeAt(4)).toBe(200);
    expect(replay.positionAt(10_000)).toBe(trace.length);
    expect(replay.operationInvokedUs(7)).toBe(300);
    expect(replay.operationInvokedUs(8)).toBeNull();
    expect(replay.endUs).toBe(900);
  });

  it('a checkpointed seek equals folding from the start, everywhere', () => {
    const slow = new ReplayIndex(trace, 10_000);
    const fast = new ReplayIndex(trace, 2);
    for (let position = 0; position <= trace.length; position++) expect(fast.statesAt(position)).toEqual(slow.statesAt(position));
  });

  it('reads trace.jsonl and names a bad line', () => {
    const text = trace.map((event) => JSON.stringify(event)).join('\n') + '\n';
    expect(parseTraceText(text)).toEqual(trace);
    expect(() => parseTraceText('{"t":1,"kind":"send"}\nnot json')).toThrow(new TraceReadError('trace line 2 is not JSON'));
    expect(() => parseTraceText('{"kind":"send"}')).toThrow(/line 1 is not a trace event/);
  });

  it('a trace without a header names its nodes from the events', () => {
    expect(new ReplayIndex(trace.slice(1)).nodes).toEqual(['n1', 'n2', 'n3']);
  });

  // Raft said nothing of its role until its first election timeout, so its replicas showed as
  // 'unknown' for the first 150 ms and a restarted one had no role until it heard a leader.
  for (const protocol of ['raft', 'vr', 'paxos'] as const) {
    it(`a ${protocol} run's replay knows every replica's role from the first instant and right after a restart`, () => {
      const experiment = validateExperiment({ protocol, nodes: 3, seed: 2, durationMs: 2500, workload: { clients: 2, ratePerSec: 50 }, faults: [{ atMs: 1000, crash: 'n2' }, { atMs: 1500, restart: 'n2' }] });
      const events: TraceEvent[] = [];
      new RunController(experiment, { trace: (event) => events.push(event) }).runToEnd();
      const replay = new ReplayIndex(events);
      expect(replay.statesAt(replay.positionAt(1)).map((state) => state.role)).not.toContain(null);
      const restart = events.findIndex((event) => event.kind === 'node' && event.action === 'restart');
      const restartUs = events[restart]?.t;
      let sameInstant = restart;
      while (events[sameInstant + 1]?.t === restartUs) sameInstant++;
      expect(replay.statesAt(sameInstant + 1)[1]).toMatchObject({ id: 'n2', up: true });
      expect(replay.statesAt(sameInstant + 1)[1]?.role).not.toBeNull();
    });
  }
});

