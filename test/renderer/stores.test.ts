import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/history/trace';
import { setLabHost } from '../../renderer/lab/labHost';
import { useCheckerStore } from '../../renderer/stores/checker';
import { useClusterStore } from '../../renderer/stores/cluster';
import { modeOf, policyAp, useConsistencyStore } from '../../renderer/stores/consistency';
import { openChosenInLab } from '../../renderer/stores/freshLab';
import { useNetworkStore } from '../../renderer/stores/network';
import { consistencyLabel, useExperimentStore } from '../../renderer/stores/experiment';
import { speedChoicesFor, useRunStore } from '../../renderer/stores/run';
import { useTraceStore } from '../../renderer/stores/trace';
import { type FakeAnswers, fakeLabHost } from './fakeLabHost';
import { fakeSummary, fakeWindow } from '../support/labFixtures';

/** A fake lab: records every call, answers like the real service, and lets the test push events. */
function fakeLab() {
  let consistency: unknown = 'cp';
  const text = (value: string) => btoa(value);
  const answers: FakeAnswers = {
    listPresets: () => [{ name: 'raft-partition-cp', title: 'Partition', description: 'Shows a partition. Then more.', protocol: 'raft', consistency: 'cp', text: 'name: raft-partition-cp\nprotocol: raft' }],
    validateExperiment: (request) =>
      String(request.text).includes('nodes: 20') ? { ok: false, problems: ['nodes: Too big: expected number to be <=9'] } : { ok: true, experiment: { name: 'raft-partition-cp', title: 'Partition', description: 'd', protocol: 'raft', consistency: 'cp', nodes: 5, seed: 3 } },
    startRun: () => ({ runId: 'run-1', nodes: ['n1', 'n2', 'n3'] }),
    pauseRun: () => ({ ok: true }),
    resumeRun: () => ({ ok: true }),
    setSpeed: () => ({ ok: true }),
    stopRun: () => ({ summary: { ops: { ok: 1, fail: 0, info: 0 }, violations: { staleRead: 2 } } }),
    runState: () => ({ runId: 'run-1', nowMs: 1234, done: false, paused: false, consistency, nodes: [{ id: 'n1', up: true, paused: false, driftPpm: 0, view: { role: 'leader', term: 2, leader: 'n1', commitIndex: 5, lastIndex: 6, logEntryCount: 6 } }], links: [], summary: null }),
    nodeAction: (request) => ({ nodes: [request.node] }),
    partition: () => ({ description: 'n1 n2 | n3' }),
    heal: () => ({ ok: true }),
    setNetwork: () => ({ ok: true }),
    setConsistency: (request) => {
      consistency = request.consistency;
      return { ok: true };
    },
    exportRun: () => ({
      files: [
        { name: 'bundle.zip', base64: text('PK-zip') },
        { name: 'history.json', base64: text('{"format":"caplab-history/1"}') },
        { name: 'metrics.csv', base64: text('start_ms,end_ms,stale_read,lost_write,monotonic_read,read_your_writes\n0,250,4,1,0,0\n') },
      ],
    }),
    checkHistory: () => ({ kind: 'checked', verdict: 'not-linearizable', operations: 9, partitions: 1, elapsedMs: 1.5, counterexample: { partition: 'k1', partitionOperationIds: [1], linearized: [], stateAfter: 'nil', blocked: null, explanation: 'read c1-1, but the register holds nil' } }),
    exportChart: (request) => ({ name: `${String(request.chart)}.${String(request.format)}`, base64: text('<svg/>') }),
    importBundle: () => ({ reproduced: true, summary: { traceSha256: 'abc' }, experimentName: 'raft-partition-cp' }),
  };
  return fakeLabHost(answers);
}

let fake: ReturnType<typeof fakeLab>;
beforeEach(() => {
  setActivePinia(createPinia());
  fake = fakeLab();
  setLabHost(fake.host);
});

async function startedRun() {
  const experiments = useExperimentStore();
  await experiments.loadPresets();
  expect(await experiments.choosePreset('raft-partition-cp')).toBe(true);
  const run = useRunStore();
  expect(await openChosenInLab()).toBe(true);
  expect(await run.start()).toBe(true);
  return run;
}

describe('useExperimentStore', () => {
  it('lists presets, opens one, and shows the schema problems of a bad file without choosing it', async () => {
    const experiments = useExperimentStore();
    await experiments.loadPresets();
    expect(experiments.presets.map((preset) => preset.name)).toEqual(['raft-partition-cp']);
    expect(await experiments.openText('protocol: raft\nnodes: 20', 'bad.yaml')).toBe(false);
    expect(experiments.problems).toEqual(['nodes: Too big: expected number to be <=9']);
    expect(experiments.problemsSource).toBe('bad.yaml');
    expect(experiments.chosen).toBeNull();
    expect(await experiments.choosePreset('raft-partition-cp')).toBe(true);
    expect(experiments.problems).toEqual([]);
    expect(experiments.chosen).toMatchObject({ name: 'raft-partition-cp', protocol: 'raft', nodes: 5, seed: 3, source: 'raft-partition-cp.yaml' });
    expect(await experiments.choosePreset('nope')).toBe(false);
    expect(experiments.error).toContain('no preset nope');
  });

  it('imports a bundle as base64 and keeps whether it reproduced', async () => {
    const experiments = useExperimentStore();
    const result = await experiments.importBundle(new Uint8Array([80, 75, 3, 4]));
    expect(result?.imported).toMatchObject({ reproduced: true });
    expect(fake.calls.at(-1)).toEqual({ call: 'importBundle', request: { base64: 'UEsDBA==' } });
  });

  it('labels consistency as a badge reads it', () => {
    expect([consistencyLabel('cp'), consistencyLabel('ap'), consistencyLabel({ write: 'quorum', read: 'lease' }), consistencyLabel(undefined)]).toEqual(['CP', 'AP', 'quorum / lease', 'CP']);
  });
});

describe('useRunStore', () => {
  it('starts with the chosen seed, protocol and speed, and keeps only its own run’s metrics', async () => {
    const run = await startedRun();
    expect(fake.calls.find((call) => call.call === 'startRun')?.request).toMatchObject({ runtime: 'sim', seed: 3, protocol: 'raft', speed: 1 });
    expect(run.status).toBe('running');
    expect(run.nodes).toEqual(['n1', 'n2', 'n3']);
    const window = fakeWindow({ startMs: 0, endMs: 250, ok: 4, fail: 1, info: 1, latencyMs: null, availability: 0.66, violations: { staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 }, leader: 'n1', term: 1, commitIndex: {}, messagesByLink: {}, messagesSent: 9, offered: 6, served: 4, missed: 0 });
    fake.emit('metrics', { runId: 'run-9', nowMs: 250, windows: [window], faults: [], markers: [] });
    expect(run.series.windows).toHaveLength(0);
    const before = run.series;
    fake.emit('metrics', { runId: 'run-1', nowMs: 250, windows: [window], faults: [], markers: [] });
    expect(run.series).not.toBe(before);
    expect(run.totals).toEqual({ ok: 4, fail: 1, info: 1, availability: 4 / 6, messagesSent: 9 });
    expect(run.nowMs).toBe(250);
  });

  it('pauses, resumes, changes speed, stops with the summary, and ends on runEnded', async () => {
    const run = await startedRun();
    await run.togglePause();
    expect(run.status).toBe('paused');
    await run.togglePause();
    expect(run.status).toBe('running');
    await run.setSpeed('max');
    expect(fake.calls.at(-1)).toEqual({ call: 'setSpeed', request: { runId: 'run-1', speed: 'max' } });
    await run.stop();
    expect(run.status).toBe('ended');
    expect(run.summary).toMatchObject({ violations: { staleRead: 2 } });
    const again = await startedRun();
    fake.emit('runEnded', { runId: 'run-1', summary: fakeSummary({ seed: 1 }) });
    expect(again.status).toBe('ended');
  });

  it('starts a live threads run at a time scale: no max offered, max chosen before becomes 1×, the runtime fixed while the run goes', async () => {
    const experiments = useExperimentStore();
    await experiments.loadPresets();
    await experiments.choosePreset('raft-partition-cp');
    const run = useRunStore();
    run.prepare(experiments.chosen!);
    await run.setSpeed('max');
    expect(speedChoicesFor('sim')).toContain('max');
    run.setRuntime('threads');
    expect(run.runtime).toBe('threads');
    expect(run.speed).toBe(1);
    expect(speedChoicesFor('threads')).not.toContain('max');
    expect(speedChoicesFor('threads')).toEqual(speedChoicesFor('sim').filter((speed) => speed !== 'max'));
    await run.setSpeed('max');
    expect(run.speed).toBe(1);
    await run.setSpeed(25);
    expect(await run.start()).toBe(true);
    expect(fake.calls.find((call) => call.call === 'startRun')?.request).toMatchObject({ runtime: 'threads', speed: 25 });
    run.setRuntime('sim');
    expect(run.runtime).toBe('threads');
    await run.setSpeed('max');
    expect(fake.calls.some((call) => call.call === 'setSpeed')).toBe(false);
    await run.stop();
    run.setRuntime('sim');
    expect(run.runtime).toBe('sim');
  });

  it('forwards trace batches to the trace store and counts proven stale reads', async () => {
    await startedRun();
    const events: TraceEvent[] = [
      { t: 0, kind: 'invoke', op: 1, client: 1, node: 'n1', input: { f: 'write', key: 'k', value: 'a' } },
      { t: 10, kind: 'complete', op: 1, client: 1, output: { type: 'ok' } },
      { t: 20, kind: 'invoke', op: 2, client: 2, node: 'n2', input: { f: 'write', key: 'k', value: 'b' } },
      { t: 30, kind: 'complete', op: 2, client: 2, output: { type: 'ok' } },
      { t: 40, kind: 'invoke', op: 3, client: 3, node: 'n3', input: { f: 'read', key: 'k' } },
      { t: 50, kind: 'complete', op: 3, client: 3, output: { type: 'ok', value: 'a' } },
      { t: 60, kind: 'role', node: 'n1', role: 'leader', term: 2, leader: 'n1' },
    ];
    fake.emit('trace', { runId: 'run-1', events, skipped: 0 });
    fake.emit('trace', { runId: 'run-7', events, skipped: 5 });
    const trace = useTraceStore();
    expect(trace.received).toBe(7);
    expect(trace.skippedCount).toBe(0);
    fake.emit('trace', { runId: 'run-1', events: [], skipped: 3 });
    expect(trace.skippedCount).toBe(3);
    expect(trace.provenStaleReads).toBe(1);
    expect(trace.filtered.map((event) => event.kind)).toEqual(['role']);
    trace.showGroup('operations', true);
    trace.nodeFilter = 'n3';
    expect(trace.filtered.map((event) => event.kind)).toEqual(['invoke']);
  });
});

describe('useClusterStore', () => {
  it('polls the run state, and a click crashes, restarts or resumes a node', async () => {
    const run = await startedRun();
    const cluster = useClusterStore();
    cluster.startPolling();
    expect(fake.timers).toHaveLength(1);
    fake.timers[0]!();
    await new Promise((done) => setTimeout(done, 0));
    expect(cluster.nodes.map((node) => node.id)).toEqual(['n1']);
    expect(run.nowMs).toBe(1234);
    await cluster.toggleNode({ id: 'n2', up: true, paused: false, driftPpm: 0, view: null });
    await cluster.toggleNode({ id: 'n3', up: false, paused: false, driftPpm: 0, view: null });
    await cluster.toggleNode({ id: 'n4', up: true, paused: true, driftPpm: 0, view: null });
    expect(fake.calls.filter((call) => call.call === 'nodeAction').map((call) => call.request)).toEqual([
      { runId: 'run-1', node: 'n2', action: 'crash' },
      { runId: 'run-1', node: 'n3', action: 'restart' },
      { runId: 'run-1', node: 'n4', action: 'resume' },
    ]);
    cluster.stopPolling();
    expect(fake.timers).toHaveLength(0);
  });

  it('switches to AP and reads the policy back; partitions, heals and changes the network', async () => {
    await startedRun();
    const network = useNetworkStore();
    const consistency = useConsistencyStore();
    await consistency.setPolicy(policyAp);
    expect(fake.calls.find((call) => call.call === 'setConsistency')?.request).toEqual({ runId: 'run-1', consistency: { write: 'local', read: 'local' } });
    expect(modeOf(consistency.policy)).toBe('AP');
    await network.partitionWith('majority-minority');
    expect(network.partition).toBe('n1 n2 | n3');
    await network.setNetwork({ drop: 0.2 });
    expect(network.network).toEqual({ drop: 0.2, duplicate: 0, reorder: 0 });
    expect(fake.calls.find((call) => call.call === 'setNetwork')?.request).toEqual({ runId: 'run-1', change: { drop: 0.2 } });
    await network.heal();
    expect(network.partition).toBeNull();
    expect(network.network.drop).toBe(0);
  });

  it('refuses actions without a running run and keeps the policy', async () => {
    const cluster = useClusterStore();
    const consistency = useConsistencyStore();
    await consistency.setPolicy(policyAp);
    expect(modeOf(consistency.policy)).toBe('CP');
    expect(cluster.error).toContain('Start a run first');
    expect(fake.calls.filter((call) => call.call === 'setConsistency')).toEqual([]);
  });
});

describe('useCheckerStore', () => {
  it('exports once per ended run, downloads files, checks the history and takes the violations per window from metrics.csv', async () => {
    const run = await startedRun();
    const checker = useCheckerStore();
    expect(await checker.exportRun()).toBe(false);
    expect(checker.error).toContain('Stop the run');
    fake.emit('metrics', { runId: 'run-1', nowMs: 250, windows: [fakeWindow({ startMs: 0, endMs: 250, ok: 1, fail: 0, info: 0, latencyMs: null, availability: 1, violations: { staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 }, leader: null, term: 0, commitIndex: {}, messagesByLink: {}, messagesSent: 0 })], faults: [], markers: [] });
    await run.stop();
    expect(await checker.exportRun()).toBe(true);
    expect(await checker.exportRun()).toBe(true);
    expect(fake.calls.filter((call) => call.call === 'exportRun')).toHaveLength(1);
    expect(checker.finalSeries?.windows[0]?.violations).toEqual({ staleRead: 4, lostWrite: 1, monotonicRead: 0, readYourWrites: 0 });
    expect(checker.download('bundle.zip')).toBe(true);
    expect(new TextDecoder().decode(fake.saved[0]!.bytes)).toBe('PK-zip');
    expect(checker.download('nothing.txt')).toBe(false);
    const report = await checker.checkHistory();
    expect(report).toMatchObject({ verdict: 'not-linearizable', operations: 9, counterexample: { partition: 'k1' } });
    expect(fake.calls.at(-1)).toEqual({ call: 'checkHistory', request: { text: '{"format":"caplab-history/1"}', fileName: 'history.json', format: 'caplab-history', checkId: 'check-1' } });
  });

  it('shows the export\'s progress from the lab and cancels it in the lab, keeping no files', async () => {
    const run = await startedRun();
    await run.stop();
    const checker = useCheckerStore();
    let answer: (value: unknown) => void = () => undefined;
    const lab = fake.host.lab as unknown as Record<string, (request: Record<string, unknown>) => Promise<unknown>>;
    lab.exportRun = (request) => {
      fake.calls.push({ call: 'exportRun', request });
      return new Promise((resolve) => (answer = resolve));
    };
    lab.cancelExport = async (request) => {
      fake.calls.push({ call: 'cancelExport', request });
      answer({ files: [], cancelled: true });
      return { cancelled: true };
    };
    const exported = checker.exportRun();
    const exportId = (fake.calls.at(-1)?.request as { exportId: string }).exportId;
    expect(exportId).toMatch(/^export-\d+$/);
    fake.emit('exportProgress', { exportId: 'export-999', fraction: 0.9, stage: 'replaying' });
    fake.emit('exportProgress', { exportId, fraction: 0.4, stage: 'replaying' });
    expect(checker.exportFraction).toBe(0.4);
    expect(checker.exportStage).toBe('replaying');
    await checker.cancelExport();
    expect(fake.calls.at(-1)).toEqual({ call: 'cancelExport', request: { exportId } });
    expect(await exported).toBe(false);
    expect(checker.exporting).toBe(false);
    expect(checker.files).toEqual([]);
    expect(checker.error).toContain('cancelled');
  });

  it('keeps ended runs as recent runs, newest first, and downloads a recent run\'s bundle', async () => {
    const run = await startedRun();
    await run.stop();
    expect(run.recentRuns.map((recent) => recent.runId)).toEqual(['run-1']);
    expect(await run.downloadBundle('run-1')).toBe(true);
    expect(fake.saved.at(-1)?.name).toBe('run-1-bundle.zip');
  });

  it('downloads one chart as SVG or PNG in the chosen theme', async () => {
    const run = await startedRun();
    await run.stop();
    const checker = useCheckerStore();
    expect(await checker.downloadChart('latency', 'svg', 'dark')).toBe(true);
    expect(fake.calls.at(-1)).toEqual({ call: 'exportChart', request: { runId: 'run-1', chart: 'latency', format: 'svg', theme: 'dark' } });
    expect(fake.saved.at(-1)?.name).toBe('latency.svg');
  });
});
