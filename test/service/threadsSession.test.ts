// The live threads runtime served to the app (ARCHITECTURE §3): the same calls and events as a simulated
// run, its files from the run itself (a live run cannot be replayed to the same trace).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/experiment/schema';
import type { RunResult } from '../../src/experiment/run';
import { readBundle } from '../../main/bundleImport';
import { exportedFileNames } from '../../main/service/replayJob';
import { LabService } from '../../main/service/labService';
import { ThreadsSession } from '../../main/service/threadsSession';

const healthy = readFileSync(resolve(__dirname, '..', '..', 'presets', 'raft-healthy.yaml'), 'utf8');
const service = new LabService();
afterAll(() => service.close());

type RunState = Awaited<ReturnType<typeof service.call<'runState'>>>;
type NodeState = { id: string; up: boolean; view: { role: string } | null };

/** Polls the run's state until the predicate holds (the test's own timeout bounds the wait). */
async function until(runId: string, predicate: (state: RunState) => boolean): Promise<RunState> {
  for (;;) {
    const state = await service.call('runState', { runId });
    if (predicate(state)) return state;
    await new Promise((done) => setTimeout(done, 20));
  }
}

const leaderOf = (state: RunState) => (state.nodes as NodeState[]).find((node) => node.view?.role === 'leader');

describe('a live (threads) run served to the app', () => {
  it('streams metrics and trace, takes a crash, pauses, stops with a settled summary, and exports its own trace', async () => {
    let windows = 0;
    let traceEvents = 0;
    let ended: Record<string, unknown> | null = null;
    const unsubscribe = service.subscribe((event, payload) => {
      if (event === 'metrics' && 'windows' in payload) windows += payload.windows.length;
      if (event === 'trace' && 'events' in payload) traceEvents += payload.events.length;
      if (event === 'runEnded' && 'summary' in payload) ended = payload.summary;
    });
    const { runId, nodes } = await service.call('startRun', { text: healthy, source: 'raft-healthy.yaml', runtime: 'threads', speed: 4, seed: 3 });
    expect(nodes).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);

    const led = await until(runId, (state) => leaderOf(state) !== undefined);
    expect(led.runtime).toBe('threads');
    expect(led.links).toHaveLength(20);
    const leader = leaderOf(led)!.id;
    expect(await service.call('nodeAction', { runId, node: leader as 'n1', action: 'crash' })).toEqual({ nodes: [leader] });
    const crashed = await service.call('runState', { runId });
    expect((crashed.nodes as NodeState[]).find((node) => node.id === leader)).toMatchObject({ up: false, view: null });
    expect((crashed.nodes as NodeState[]).filter((node) => node.up)).toHaveLength(4);

    await expect(service.call('setSpeed', { runId, speed: 'max' })).rejects.toThrow('setSpeed: speed max exists only in the simulator; a live (threads) run goes at a time scale of 0.1 to 100');
    await service.call('setSpeed', { runId, speed: 8 });
    await service.call('pauseRun', { runId });
    expect((await service.call('runState', { runId })).paused).toBe(true);
    await expect(service.call('exportRun', { runId })).rejects.toThrow('exportRun: the run is still going; stop it first');

    // Stopping a paused run resumes it to settle, then checks and summarises.
    const { summary } = await service.call('stopRun', { runId });
    unsubscribe();
    expect(summary).toMatchObject({ runtime: 'threads', experiment: 'raft-healthy', seed: 3, invariantsBroken: [] });
    expect(ended).toEqual(summary);
    expect(await service.call('runState', { runId })).toMatchObject({ done: true, paused: false, summary });
    expect(windows).toBeGreaterThan(0);

    const { files } = await service.call('exportRun', { runId });
    expect(files.map((file) => file.name)).toEqual([...exportedFileNames]);
    const bytesOf = (name: string) => Buffer.from(files.find((file) => file.name === name)!.base64, 'base64');
    const bundle = readBundle(new Uint8Array(bytesOf('bundle.zip')), 'exported bundle');
    expect(bundle.summary).toEqual(summary);
    expect(bundle.files).toEqual(expect.arrayContaining(['charts/throughput.svg', 'history.json', 'metrics.csv', 'report.html']));
    // The trace is the run's own: it hashes to the summary's digest, and the app was sent every event of it.
    const traceText = bundle.traceLines.map((line) => `${line}\n`).join('');
    expect(createHash('sha256').update(traceText).digest('hex')).toBe(summary.traceSha256);
    expect(bytesOf('trace.jsonl').toString('utf8')).toBe(traceText);
    expect(traceEvents).toBe(bundle.traceLines.length);
    const events = bundle.traceLines.map((line) => JSON.parse(line) as { kind: string; action?: string; node?: string });
    expect(events.some((event) => event.kind === 'node' && event.action === 'crash' && event.node === leader)).toBe(true);
    expect(events.at(-1)?.kind).toBe('end');

    // Imported, a live run is shown as it was (it cannot be replayed exactly), its trace checked against its digest.
    const imported = await service.call('importBundle', { base64: bytesOf('bundle.zip').toString('base64') });
    expect(imported).toMatchObject({ reproduced: null, traceVerified: true, summary, experimentName: 'raft-healthy' });
    expect(imported.reason).toContain('not deterministic');
    // A changed trace is refused by name: against the manifest, and, with the manifest forged too, against the summary's digest.
    const entries = unzipSync(new Uint8Array(bytesOf('bundle.zip')));
    const forgedTrace = strToU8(traceText.replace('"kind":"crash"', '"kind":"crash" ').replace(/\n$/, '\n{"t":0,"kind":"end","summary":"forged"}\n'));
    const changed = zipSync({ ...entries, 'trace.jsonl': forgedTrace });
    await expect(service.call('importBundle', { base64: Buffer.from(changed).toString('base64') })).rejects.toThrow(/trace\.jsonl: its SHA-256 is [0-9a-f]{64}, but manifest\.json says/);
    const manifest = JSON.parse(Buffer.from(entries['manifest.json']!).toString('utf8')) as { files: Record<string, string> };
    manifest.files['trace.jsonl'] = createHash('sha256').update(forgedTrace).digest('hex');
    const { 'manifest.json': _manifest, ...rest } = entries;
    const reforged = zipSync({ ...rest, 'trace.jsonl': forgedTrace, 'manifest.json': strToU8(JSON.stringify(manifest)) });
    await expect(service.call('importBundle', { base64: Buffer.from(reforged).toString('base64') })).rejects.toThrow(/trace\.jsonl: its SHA-256 is [0-9a-f]{64}, but summary\.json records traceSha256/);
  }, 60_000);

  it('refuses speed max, naming the time scale range, and starts nothing', async () => {
    const runNumber = async () => {
      const { runId } = await service.call('startRun', { text: healthy, source: 'raft-healthy.yaml', runtime: 'sim', speed: 1 });
      await service.call('stopRun', { runId });
      return Number(runId.slice('run-'.length));
    };
    const before = await runNumber();
    await expect(service.call('startRun', { text: healthy, source: 'raft-healthy.yaml', runtime: 'threads', speed: 'max' })).rejects.toThrow('startRun: speed max exists only in the simulator; a live (threads) run goes at a time scale of 0.1 to 100 (lab ms per wall ms)');
    expect(await runNumber()).toBe(before + 1); // the refused start took no run id
  });

  it('a simulated run reports the same state shape and still exports the exact replay', async () => {
    const { runId } = await service.call('startRun', { text: healthy, source: 'raft-healthy.yaml', speed: 'max', seed: 5 });
    await until(runId, (state) => state.nowMs > 500);
    const state = await service.call('runState', { runId });
    expect(state).toMatchObject({ runtime: 'sim', done: false });
    expect(Object.keys(state).sort()).toEqual(['consistency', 'done', 'links', 'nodes', 'nowMs', 'paused', 'runId', 'runtime', 'summary']);
    const { summary } = await service.call('stopRun', { runId });
    const { files } = await service.call('exportRun', { runId });
    expect(files.map((file) => file.name)).toEqual([...exportedFileNames]);
    expect(JSON.parse(Buffer.from(files.find((file) => file.name === 'summary.json')!.base64, 'base64').toString('utf8'))).toEqual(summary);
  }, 60_000);
});

describe('ThreadsSession', () => {
  it('closing it while the run goes aborts the run: workers stopped, nothing summarised, the run folder removed', async () => {
    const experiment = validateExperiment({ protocol: 'vr', nodes: 3, durationMs: 60_000, workload: { clients: 2, ratePerSec: 50 } });
    const results: RunResult[] = [];
    const session = new ThreadsSession(experiment, 2, { metrics: () => undefined, trace: () => undefined, ended: (result) => results.push(result) });
    await session.start();
    // The folder is staged beside its target while the run goes (renamed into place when finished).
    const root = dirname(session.folder);
    expect(readdirSync(root).length).toBeGreaterThan(0);
    expect(session.state().nodes.every((node) => node.up)).toBe(true);
    await session.close();
    expect(session.state().nodes.some((node) => node.up)).toBe(false);
    expect(existsSync(session.folder)).toBe(false);
    expect(existsSync(root)).toBe(false);
    expect(results).toEqual([]);
    expect(session.summary).toBeNull();
    await expect(session.stop()).rejects.toThrow('the live run was aborted before it ended');
  }, 30_000);
});
