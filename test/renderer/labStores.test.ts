import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/history/trace';
import { setLabHost } from '../../renderer/lab/labHost';
import { useCheckerStore } from '../../renderer/stores/checker';
import { useCompareStore } from '../../renderer/stores/compare';
import { useExperimentStore } from '../../renderer/stores/experiment';
import { openBundle, openChosenInLab } from '../../renderer/stores/freshLab';
import { describeFault, newFault, useFaultScheduleStore } from '../../renderer/stores/faultSchedule';
import { useReplayStore } from '../../renderer/stores/replay';
import { useRunStore } from '../../renderer/stores/run';
import { useTraceStore } from '../../renderer/stores/trace';
import { type FakeAnswers, fakeLabHost } from './fakeLabHost';
import { fakeSummary, fakeWindow } from '../support/labFixtures';

const traceEvents: TraceEvent[] = [
  { t: 0, kind: 'header', format: 'caplab-trace/1', experiment: 'x', protocol: 'raft', seed: 1, nodes: ['n1', 'n2'] },
  { t: 100, kind: 'role', node: 'n1', role: 'leader', term: 1, leader: 'n1' },
  { t: 150, kind: 'send', id: 1, from: 'n1', to: 'n2', message: 'AppendEntries' },
  { t: 200, kind: 'invoke', op: 4, client: 1, node: 'n1', input: { f: 'read', key: 'k1' } },
  { t: 250, kind: 'deliver', id: 1, from: 'n1', to: 'n2', message: 'AppendEntries' },
  { t: 300, kind: 'commit', node: 'n1', commitIndex: 2 },
];
const traceText = traceEvents.map((event) => JSON.stringify(event)).join('\n');

/** A fake lab answering like the service, with hooks the tests steer. */
function fakeLab() {
  let runIdNext = 0;
  let releaseCheck: ((value: unknown) => void) | null = null;
  const experiment = { name: 'e', title: 'E', description: '', protocol: 'raft', consistency: 'cp', nodes: 3, seed: 2, durationMs: 10_000, faults: [{ atMs: 5000, heal: true }, { atMs: 3000, crash: 'leader' }] };
  const answers: FakeAnswers = {
    validateExperiment: (request) => {
      const text = String(request.text);
      if (text.includes('"atMs": 99999')) return { ok: false, problems: ['faults.0.atMs: is after the end of the run (durationMs 10000)'] };
      return { ok: true, experiment: text.startsWith('{') ? JSON.parse(text) : experiment };
    },
    startRun: (request) => ({ runId: `run-${++runIdNext}`, nodes: ['n1', 'n2', 'n3'], protocol: request.protocol }),
    runState: (request) => ({ runId: request.runId, nowMs: 10, done: false, paused: false, consistency: 'cp', nodes: [], links: [], summary: null }),
    stopRun: () => ({ summary: { ok: 1 } }),
    exportRun: () => ({ files: [{ name: 'trace.jsonl', base64: btoa(traceText) }] }),
    checkHistory: () => new Promise((done) => (releaseCheck = done)),
    cancelCheck: () => {
      releaseCheck?.({ kind: 'checked', verdict: 'unknown', operations: 3, partitions: 1, elapsedMs: 5 });
      return { cancelled: true };
    },
    importBundle: () => ({ reproduced: true, summary: {}, experimentName: 'e', trace: traceText }),
  };
  return fakeLabHost(answers);
}

let fake: ReturnType<typeof fakeLab>;
beforeEach(() => {
  setActivePinia(createPinia());
  fake = fakeLab();
  setLabHost(fake.host);
});

const chosen = { name: 'e', title: 'E', description: '', protocol: 'raft' as const, consistency: 'cp', nodes: 3, seed: 2, text: 'name: e', source: 'e.yaml' };

describe('useReplayStore', () => {
  it('replays the run just ended from its exported trace: seek by time and by operation, step, play to the end', async () => {
    const run = useRunStore();
    run.prepare(chosen);
    await run.start();
    await run.stop();
    const replay = useReplayStore();
    expect(await replay.loadRun()).toBe(true);
    expect(replay.eventCount).toBe(6);
    expect(replay.timeline?.count).toBe(1);
    replay.seekTime(120);
    expect(replay.states.map((state) => state.role)).toEqual(['leader', null]);
    expect(replay.seekOperation(4)).toBe(true);
    expect(replay.atUs).toBe(200);
    expect(replay.seekOperation(99)).toBe(false);
    replay.step(2);
    expect(replay.states[0]?.commitIndex).toBe(2);
    expect(replay.currentEvent?.text).toBe('n1 commit index 2');
    replay.seekPosition(0);
    replay.play();
    expect(replay.playing).toBe(true);
    for (let frame = 0; frame < 10 && fake.timers.length > 0; frame++) fake.timers[0]?.();
    expect(replay.position).toBe(6);
    expect(replay.playing).toBe(false);
  });

  it('an imported bundle goes straight to the replay', async () => {
    const experiments = useExperimentStore();
    expect(await openBundle(new Uint8Array([1, 2, 3]))).toBe(true);
    expect(experiments.imported).not.toHaveProperty('trace');
    expect(useReplayStore().label).toBe('bundle e');
    expect(useReplayStore().eventCount).toBe(6);
  });

  it('a bad trace is refused by line, and nothing is loaded', () => {
    const replay = useReplayStore();
    expect(replay.load('{"t":1,"kind":"send"}\n{oops', 'x', null)).toBe(false);
    expect(replay.error).toMatch(/line 2 is not JSON/);
    expect(replay.index).toBeNull();
  });
});

describe('useCompareStore', () => {
  it('starts the same experiment and seed on Raft, VR and Multi-Paxos at speed max and keeps each side its own events', async () => {
    const compare = useCompareStore();
    expect(await compare.start(chosen, 7)).toBe(true);
    const starts = fake.calls.filter((call) => call.call === 'startRun').map((call) => call.request);
    expect(starts).toEqual([
      { text: 'name: e', source: 'e.yaml', runtime: 'sim', speed: 'max', seed: 7, protocol: 'raft' },
      { text: 'name: e', source: 'e.yaml', runtime: 'sim', speed: 'max', seed: 7, protocol: 'vr' },
      { text: 'name: e', source: 'e.yaml', runtime: 'sim', speed: 'max', seed: 7, protocol: 'paxos' },
    ]);
    const window = fakeWindow({ startMs: 0, endMs: 250, ok: 5, fail: 0, info: 0, commitIndex: {}, messagesByLink: {} });
    fake.emit('metrics', { runId: 'run-2', nowMs: 250, windows: [window], faults: [], markers: [] });
    fake.emit('metrics', { runId: 'run-9', nowMs: 250, windows: [window], faults: [], markers: [] });
    expect(compare.sides.map((side) => side.series.windows.length)).toEqual([0, 1, 0]);
    fake.emit('runEnded', { runId: 'run-1', summary: fakeSummary({ availability: 1 }) });
    expect(compare.done).toBe(false);
    fake.emit('runEnded', { runId: 'run-2', summary: fakeSummary({ availability: 0.9 }) });
    expect(compare.done).toBe(false);
    fake.emit('runEnded', { runId: 'run-3', summary: fakeSummary({ availability: 0.8 }) });
    expect(compare.done).toBe(true);
    expect(compare.running).toBe(false);
  });
});

describe('useFaultScheduleStore', () => {
  it('loads the schedule in time order, adds, moves (within the run) and removes, then has the lab validate it', async () => {
    const schedule = useFaultScheduleStore();
    await schedule.load(chosen);
    expect(schedule.faults.map(describeFault)).toEqual(['crash leader', 'heal']);
    schedule.add('partition', 1000, 'isolate-leader');
    schedule.move(2, 20_000);
    expect(schedule.faults.map((fault) => [fault.atMs, describeFault(fault)])).toEqual([
      [1000, 'partition isolate-leader'],
      [3000, 'crash leader'],
      [10_000, 'heal'],
    ]);
    schedule.remove(1);
    expect(schedule.dirty).toBe(true);
    expect(await schedule.apply()).toBe(true);
    const validated = fake.calls.filter((call) => call.call === 'validateExperiment').at(-1)?.request;
    expect(JSON.parse(String(validated?.text)).faults).toEqual([{ atMs: 1000, partition: 'isolate-leader' }, { atMs: 10_000, heal: true }]);
    expect(useRunStore().experiment?.source).toBe('e.json');
    expect(schedule.dirty).toBe(false);
  });

  it('a schedule the lab refuses changes nothing and shows its problems', async () => {
    const schedule = useFaultScheduleStore();
    await schedule.load(chosen);
    schedule.add('heal', 99_999, '—');
    // add clamps nothing (the lab judges); the lab names the field.
    expect(await schedule.apply()).toBe(false);
    expect(schedule.problems).toEqual(['faults.0.atMs: is after the end of the run (durationMs 10000)']);
    expect(useExperimentStore().chosen).toBeNull();
  });

  it('new faults take their kind\'s shape', () => {
    expect(newFault('pause', 5, 'n2')).toEqual({ atMs: 5, pause: 'n2', forMs: 1000 });
    expect(newFault('clock', 5, 'n3')).toEqual({ atMs: 5, clock: { node: 'n3', driftPpm: 50_000 } });
    expect(newFault('consistency', 5, 'ap')).toEqual({ atMs: 5, consistency: 'ap' });
    expect(describeFault({ atMs: 0, partition: [['n1'], ['n2', 'n3']] })).toBe('partition n1 | n2 n3');
  });
});

describe('cancelling long work', () => {
  it('a check can be cancelled: the lab is asked with the check id, and the report says unknown, cancelled', async () => {
    const run = useRunStore();
    run.prepare(chosen);
    await run.start();
    await run.stop();
    const checker = useCheckerStore();
    await checker.exportRun();
    const exportsBefore = fake.calls.filter((call) => call.call === 'exportRun').length;
    // exportRun answers with no history.json here; give it one.
    checker.files = [...checker.files, { name: 'history.json', base64: btoa('{}') }];
    const checking = checker.checkHistory();
    await Promise.resolve();
    await Promise.resolve();
    expect(checker.checking).toBe(true);
    fake.timers.forEach((tick) => tick());
    expect(checker.elapsedMs).toBeGreaterThan(0);
    // The lab's progress for this check shows; another check's does not.
    expect(checker.checkProgress).toBeNull();
    fake.emit('checkProgress', { checkId: 'check-1', operationsDone: 40, operationsTotal: 120 });
    fake.emit('checkProgress', { checkId: 'check-9', operationsDone: 119, operationsTotal: 120 });
    expect(checker.checkProgress).toEqual({ operationsDone: 40, operationsTotal: 120 });
    await checker.cancelCheck();
    const report = await checking;
    expect(fake.calls.find((call) => call.call === 'cancelCheck')?.request).toEqual({ checkId: 'check-1' });
    expect(report).toMatchObject({ verdict: 'unknown', error: 'cancelled before the search finished' });
    expect(checker.checking).toBe(false);
    expect(fake.calls.filter((call) => call.call === 'exportRun').length).toBe(exportsBefore);
  });
});

describe('one run per screen (issue 17)', () => {
  it('opening another experiment forgets the old run: counters, summary, event log, export, replay', async () => {
    const experiments = useExperimentStore();
    expect(await experiments.openText('protocol: raft', 'first.yaml')).toBe(true);
    expect(await openChosenInLab()).toBe(true);
    const run = useRunStore();
    expect(await run.start()).toBe(true);
    useTraceStore().append(traceEvents);
    run.ended(fakeSummary({ availability: 0.5 }));
    useReplayStore().load(traceEvents.map((event) => JSON.stringify(event)).join('\n'), 'old', run.runId);
    expect([run.status, useTraceStore().eventCount, useReplayStore().eventCount]).toEqual(['ended', 6, 6]);

    expect(await experiments.openText('protocol: raft', 'second.yaml')).toBe(true);
    expect(await openChosenInLab()).toBe(true);
    expect([run.status, run.runId, run.summary, run.error, run.experiment?.source]).toEqual(['idle', null, null, null, 'second.yaml']);
    expect(run.series.windows).toEqual([]);
    expect(useTraceStore().eventCount).toBe(0);
    expect(useReplayStore().index).toBeNull();
    expect(useCheckerStore().files).toEqual([]);
    // The ended run stays among the recent runs.
    expect(run.recentRuns.map((recent) => recent.title)).toHaveLength(1);
  });
});
