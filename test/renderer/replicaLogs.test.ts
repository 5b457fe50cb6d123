import { createPinia, setActivePinia } from 'pinia';
import { createSSRApp, nextTick } from 'vue';
import { renderToString } from '@vue/server-renderer';
import { beforeEach, describe, expect, it } from 'vitest';
import ReplicaLogsPanel from '../../renderer/components/ReplicaLogsPanel.vue';
import { setLabHost } from '../../renderer/lab/labHost';
import { logCell, visibleIndices, scrollLeftFor } from '../../renderer/logs/replicaLogsLayout';
import { declaredMoments, momentPercent, momentPositionPercent, useMomentsStore } from '../../renderer/stores/moments';
import { chartMomentsOf } from '../../src/history/moments';
import { useReplayStore } from '../../renderer/stores/replay';
import { useReplicaLogsStore } from '../../renderer/stores/replicaLogs';
import { useExperimentStore } from '../../renderer/stores/experiment';
import { useRunStore } from '../../renderer/stores/run';
import { useTraceStore } from '../../renderer/stores/trace';
import { ReplicaLogs } from '../../src/history/replicaLogs';
import { traceFormat, type TraceEvent } from '../../src/history/trace';
import { fakeLabHost } from './fakeLabHost';

// Fixture times are in steps of 10 ms (t × 10 000 µs): elections 500 ms apart are two contests (src/history/moments.ts).
const fixture: TraceEvent[] = [
  { t: 0, kind: 'header', format: traceFormat, experiment: 'x', protocol: 'raft', seed: 1, nodes: ['n1', 'n2', 'n3'] },
  { t: 10, kind: 'role', node: 'n1', role: 'leader', term: 1, leader: 'n1' },
  { t: 20, kind: 'log-append', node: 'n1', from: 1, to: 3, term: 1, commands: ['no-op', 'write x = 1 (c1#1)', 'write x = 2 (c1#2)'] },
  { t: 30, kind: 'log-append', node: 'n2', from: 1, to: 3, term: 1 },
  { t: 40, kind: 'commit', node: 'n1', commitIndex: 3 },
  { t: 50, kind: 'fault', fault: 'partition', detail: '{n1} | {n2,n3}' },
  { t: 60, kind: 'role', node: 'n3', role: 'leader', term: 2, leader: 'n3' },
  { t: 70, kind: 'log-append', node: 'n3', from: 1, to: 3, term: 2, commands: ['no-op', 'write x = 9 (c2#1)', 'write x = 8 (c2#2)'] },
  { t: 80, kind: 'log-truncate', node: 'n2', from: 1 },
  { t: 80, kind: 'log-append', node: 'n2', from: 1, to: 3, term: 2 },
  { t: 90, kind: 'end', summary: 'done' },
];
const events: TraceEvent[] = fixture.map((event) => ({ ...event, t: event.t * 10_000 }));
const traceText = events.map((event) => JSON.stringify(event)).join('\n');

let fake: ReturnType<typeof fakeLabHost>;
beforeEach(() => {
  setActivePinia(createPinia());
  fake = fakeLabHost({});
  setLabHost(fake.host);
});

describe('the replica logs store', () => {
  it('live: rebuilds the logs batch by batch and finds moments as they happen; reset forgets them', () => {
    const store = useReplicaLogsStore();
    store.append(events.slice(0, 5));
    expect(store.live?.entry('n2', 2)).toMatchObject({ term: 1, command: 'write x = 1 (c1#1)' });
    expect(store.liveMoments.map((moment) => moment.kind)).toEqual(['leader-elected']);
    const version = store.liveVersion;
    store.append(events.slice(5));
    expect(store.liveVersion).toBeGreaterThan(version);
    expect(store.live?.entry('n2', 2)).toMatchObject({ term: 2, differsFromCommitted: true });
    expect(store.liveMoments.map((moment) => moment.kind)).toEqual(['leader-elected', 'partition', 'leader-elected', 'committed-overwritten']);
    store.reset();
    expect(store.live).toBeNull();
    expect(store.liveMoments).toEqual([]);
  });

  it('replay: the logs at a position, going forward incrementally and back from the start', () => {
    const store = useReplicaLogsStore();
    const late = store.atReplayPosition(events, events.length);
    expect(late.entry('n2', 1)?.term).toBe(2);
    const early = store.atReplayPosition(events, 4);
    expect(early.entry('n2', 1)?.term).toBe(1);
    expect(early.entry('n3', 1)).toBeNull();
    expect(store.atReplayPosition(events, 9).entry('n3', 1)?.term).toBe(2);
  });
});

describe('the moments store and play the story', () => {
  it('plays the replay and pauses at each moment with its caption, the preset’s first', async () => {
    const replay = useReplayStore();
    const moments = useMomentsStore();
    expect(replay.load(traceText, 'test', null)).toBe(true);
    expect(moments.story.map((moment) => moment.kind)).toEqual(['leader-elected', 'partition', 'leader-elected', 'committed-overwritten']);
    replay.rateUsPerSecond = 100_000_000;
    moments.playStory();
    expect(replay.playing).toBe(true);
    let frames = 0;
    while (moments.current === null && frames++ < 100) {
      fake.timers[0]?.();
      await nextTick();
    }
    expect(moments.currentMoment?.caption).toBe('n1 becomes leader of term 1.');
    expect(replay.playing).toBe(false);
    expect(replay.atUs).toBe(100_000);
    moments.nextMoment();
    while (moments.current === 0 && frames++ < 200) {
      fake.timers[0]?.();
      await nextTick();
    }
    expect(moments.currentMoment?.kind).toBe('partition');
    expect(replay.atUs).toBe(500_000);
    moments.seekMoment(3);
    expect(moments.currentMoment?.kind).toBe('committed-overwritten');
    expect(moments.currentMoment?.index).toBe(1);
    expect(replay.atUs).toBe(800_000);
  });

  it('an imported bundle’s story has its own preset moments and the violations its summary proves', () => {
    const withOps: TraceEvent[] = [
      ...events.slice(0, -1),
      { t: 820_000, kind: 'invoke', op: 5, client: 1, node: 'n1', input: { f: 'read', key: 'x' } },
      { t: 850_000, kind: 'complete', op: 5, client: 1, output: { type: 'ok', value: '1' } },
      events.at(-1)!,
    ];
    const experiments = useExperimentStore();
    experiments.imported = { reproduced: true, traceVerified: true, experimentName: 'x', summary: { keyExplanations: [{ key: 'x', groups: [{ kind: 'staleRead', operations: [5] }] }] }, moments: [{ atMs: 500, caption: 'The cut, as the preset says.' }] } as never;
    const replay = useReplayStore();
    const moments = useMomentsStore();
    expect(replay.load(withOps.map((event) => JSON.stringify(event)).join('\n'), 'bundle x', null)).toBe(true);
    // The detected moments within 150 ms of the preset's (the cut at 500 ms, n3's election at 600 ms) give way to its sentence; an overwrite and a violation never do.
    expect(moments.story.map((moment) => [moment.atUs, moment.kind])).toEqual([
      [100_000, 'leader-elected'],
      [500_000, 'preset'],
      [800_000, 'committed-overwritten'],
      [850_000, 'stale-read'],
    ]);
    expect(moments.storyChart.map((mark) => [mark.label, mark.alarm])).toEqual([['1', false], ['2', false], ['3', true], ['4', true]]);
  });

  it('live: the first read the history proves stale is a moment at once, and the oracle’s findings once the run ended', () => {
    const logs = useReplicaLogsStore();
    const moments = useMomentsStore();
    const trace = useTraceStore();
    const run = useRunStore();
    logs.append([
      ...events.slice(0, 3),
      { t: 310_000, kind: 'invoke', op: 2, client: 1, node: 'n1', input: { f: 'write', key: 'x', value: '1' } },
      { t: 330_000, kind: 'complete', op: 2, client: 1, output: { type: 'ok' } },
      { t: 410_000, kind: 'invoke', op: 3, client: 2, node: 'n1', input: { f: 'read', key: 'x' } },
      { t: 440_000, kind: 'complete', op: 3, client: 2, output: { type: 'ok', value: null } },
    ]);
    expect(moments.live.map((moment) => moment.kind)).toEqual(['leader-elected']);
    trace.staleReadEvidence = [{ readOperation: 3, key: 'x', valueRead: null, newerWriteOperation: 2, atUs: 440_000 }];
    expect(moments.live.map((moment) => [moment.atUs, moment.kind])).toEqual([[100_000, 'leader-elected'], [440_000, 'stale-read']]);
    run.summary = { keyExplanations: [{ key: 'x', groups: [{ kind: 'lostWrite', operations: [2] }] }] } as never;
    expect(moments.live.map((moment) => [moment.atUs, moment.kind])).toEqual([[100_000, 'leader-elected'], [330_000, 'lost-write']]);
    expect(moments.liveChart.at(-1)).toMatchObject({ atMs: 330, label: '2', alarm: true });
  });

  it('markers for charts and the scrubber; a preset’s moments read defensively', () => {
    const declared = declaredMoments([{ atMs: 1500, caption: 'The cut.' }, { atMs: 'x' }, null]);
    expect(declared).toEqual([{ atUs: 1_500_000, kind: 'preset', caption: 'The cut.' }]);
    // The chart marks are the story's moments numbered in order (drawn by src/metrics/charts.ts, test/metrics/momentMarks.test.ts).
    expect(chartMomentsOf(declared)).toEqual([{ atMs: 1500, label: '1', caption: 'The cut.', alarm: false }]);
    expect(momentPercent(declared[0]!, 3_000_000)).toBe(50);
    expect(momentPositionPercent(25, 100)).toBe(25);
    expect(momentPositionPercent(150, 100)).toBe(100);
  });
});

describe('the Replica logs panel', () => {
  it('draws only the window of indices in view', () => {
    expect(visibleIndices(0, 180, 100_000, 18, 5)).toEqual({ from: 1, to: 17 });
    expect(visibleIndices(18 * 50_000, 180, 100_000, 18, 5)).toEqual({ from: 49_996, to: 50_017 });
    expect(visibleIndices(0, 180, 0)).toEqual({ from: 1, to: 0 });
    expect(scrollLeftFor(405, 900, 18)).toBe(404 * 18 - 450 + 9);
  });

  it('labels each entry with its state and flags the ones that differ from what was committed', () => {
    const logs = ReplicaLogs.fromTrace(events);
    const [row] = logs.window(2, 2).filter((candidate) => candidate.node === 'n2');
    const cell = logCell(row!, row!.entries[0]!, (term) => `term ${term}`);
    expect(cell).toMatchObject({ index: 2, term: 2, committed: false, differs: true, replacedCommitted: true });
    expect(cell.label).toBe('n2 index 2: term 2, not committed, differs from what was committed here (term 1), overwrote a committed entry of term 1');
  });

  it('renders a region named "Replica logs" with one row per replica, entries flagged, 9 × 100 000 entries windowed', async () => {
    const logs = ReplicaLogs.fromTrace(events);
    const app = createSSRApp(ReplicaLogsPanel, { logs, version: 1, protocol: 'raft' });
    app.use(createPinia());
    const html = await renderToString(app);
    expect(html).toContain('role="region" aria-label="Replica logs"');
    expect(html.match(/data-log-node="n\d"/g)).toEqual(['data-log-node="n1"', 'data-log-node="n2"', 'data-log-node="n3"']);
    expect(html).toMatch(/aria-label="n3 index 2: term 2, not committed, differs from what was committed here \(term 1\)"/);
    expect((html.match(/data-differs="true"/g) ?? []).length).toBe(6);

    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9'];
    const big = new ReplicaLogs(nodes);
    for (const node of nodes) big.apply({ t: 1, kind: 'log-append', node, from: 1, to: 100_000, term: 1 });
    const started = performance.now();
    const bigApp = createSSRApp(ReplicaLogsPanel, { logs: big, version: 1, protocol: 'raft' });
    bigApp.use(createPinia());
    const bigHtml = await renderToString(bigApp);
    const entries = (bigHtml.match(/<button class="[^"]*replica-logs-entry/g) ?? []).length;
    expect(entries).toBeLessThan(9 * 120);
    expect(entries).toBeGreaterThan(9 * 40);
    expect(bigHtml).toContain('indices 1–');
    expect(bigHtml).toContain('of 100000');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
