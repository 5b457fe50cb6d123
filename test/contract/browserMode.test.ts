import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LabClient } from '../../src/contract/lab';
import { labCalls } from '../../src/contract/lab';
import { LabService } from '../../main/service/labService';
import { type WebServerHandle, startWebServer } from '../../main/service/webServer';
import { type SocketLike, connectWebSocketLab } from '../../renderer/lab/webSocketClient';

let service: LabService;
let server: WebServerHandle;
let lab: LabClient & { close(): void };
const open = (url: string) => new WebSocket(url) as unknown as SocketLike;
const socketUrl = (token: string) => `ws://127.0.0.1:${server.port}/lab?token=${token}`;
const healthy = readFileSync(resolve(__dirname, '..', '..', 'presets', 'raft-healthy.yaml'), 'utf8');

beforeAll(async () => {
  service = new LabService();
  server = await startWebServer(service);
  lab = await connectWebSocketLab(socketUrl(server.token), open);
});

afterAll(async () => {
  lab.close();
  await server.close();
  await service.close();
});

/** Waits until the run's state satisfies the predicate. */
async function until(runId: string, predicate: (state: Awaited<ReturnType<LabClient['runState']>>) => boolean, timeoutMs = 30_000) {
  const start = Date.now();
  for (;;) {
    const state = await lab.runState({ runId });
    if (predicate(state)) return state;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${runId}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('browser mode: the lab service over a WebSocket with a per-launch token', () => {
  it('refuses HTTP and WebSocket without the token (403)', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${server.port}/?token=${'0'.repeat(server.token.length)}`)).status).toBe(403);
    expect((await fetch(server.url)).status).not.toBe(403);
    await expect(connectWebSocketLab(`ws://127.0.0.1:${server.port}/lab`, open)).rejects.toThrow('cannot reach the lab');
    await expect(connectWebSocketLab(socketUrl('f'.repeat(server.token.length)), open)).rejects.toThrow('cannot reach the lab');
  });

  it('binds to 127.0.0.1 only', () => {
    expect(server.url.startsWith('http://127.0.0.1:')).toBe(true);
  });

  it('every call of the contract has a method on the client', () => {
    for (const call of Object.keys(labCalls)) expect(typeof (lab as unknown as Record<string, unknown>)[call]).toBe('function');
  });

  it('lists presets and validates experiments, naming the bad field', async () => {
    const presets = await lab.listPresets({});
    expect(presets.map((preset) => preset.name)).toContain('raft-partition-cp');
    expect(await lab.validateExperiment({ text: 'protocol: raft\nnodes: 20', source: 'x.yaml' })).toEqual({ ok: false, problems: ['nodes: Too big: expected number to be <=9'] });
    expect(await lab.validateExperiment({ text: healthy, source: 'raft-healthy.yaml' })).toMatchObject({ ok: true, experiment: { name: 'raft-healthy' } });
  });

  it('runs an experiment, streams metrics and trace batches, takes actions, stops, exports and re-imports to the same summary', async () => {
    const metrics: number[] = [];
    let traceEvents = 0;
    const offMetrics = lab.on('metrics', (batch) => metrics.push(batch.windows.length));
    const offTrace = lab.on('trace', (batch) => (traceEvents += batch.events.length));
    const { runId, nodes } = await lab.startRun({ text: healthy, source: 'raft-healthy.yaml', speed: 1, seed: 4 });
    expect(nodes).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    const running = await until(runId, (state) => state.nowMs > 1500);
    const leader = (running.nodes as Array<{ id: string; view: { role: string } | null }>).find((node) => node.view?.role === 'leader');
    expect(leader).toBeDefined();
    // No call may race the run's end (at full speed the 10 s run ended between two calls, twice in
    // CI): it runs at lab speed until the leader is known, and the actions are taken paused, with
    // 300 ms of lab time stepped between the crash and the heal.
    await lab.pauseRun({ runId });
    expect(await lab.nodeAction({ runId, node: leader!.id as 'n1', action: 'crash' })).toEqual({ nodes: [leader!.id] });
    await lab.setConsistency({ runId, consistency: { write: 'quorum', read: 'leader' } });
    await lab.partition({ runId, spec: 'majority-minority' });
    await lab.stepRun({ runId, ms: 300 });
    expect((await lab.runState({ runId })).nowMs).toBeGreaterThanOrEqual(running.nowMs + 300);
    await lab.heal({ runId });
    await lab.nodeAction({ runId, node: leader!.id as 'n1', action: 'restart' });
    const { summary } = await lab.stopRun({ runId });
    offMetrics();
    offTrace();
    expect(metrics.length).toBeGreaterThan(1);
    expect(traceEvents).toBeGreaterThan(100);
    expect(summary.invariantsBroken).toEqual([]);
    const svg = await lab.exportChart({ runId, chart: 'throughput', format: 'svg' });
    expect(svg.name).toBe('throughput.svg');
    expect(Buffer.from(svg.base64, 'base64').toString('utf8')).toContain('<svg');
    const png = await lab.exportChart({ runId, chart: 'leader', format: 'png', theme: 'dark' });
    expect(Buffer.from(png.base64, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const { files } = await lab.exportRun({ runId });
    expect(files.map((file) => file.name)).toEqual(expect.arrayContaining(['bundle.zip', 'report.html', 'trace.jsonl', 'history.edn']));
    const exportedSummary = JSON.parse(Buffer.from(files.find((file) => file.name === 'summary.json')!.base64, 'base64').toString('utf8'));
    expect(exportedSummary).toEqual(summary); // the recorded actions and the stop replay exactly
    const bundle = files.find((file) => file.name === 'bundle.zip')!;
    const imported = await lab.importBundle({ base64: bundle.base64 });
    expect(imported).toMatchObject({ reproduced: true, experimentName: 'raft-healthy' });
    expect(imported.summary.traceSha256).toBe(summary.traceSha256);
  });

  it('rejects invalid payloads and unknown calls with a clear error, and changes nothing', async () => {
    const { runId } = await lab.startRun({ text: healthy, source: 'raft-healthy.yaml', speed: 1 });
    await lab.pauseRun({ runId });
    const before = await lab.runState({ runId });
    // Straight over the socket, past the client's own validation.
    const raw = new WebSocket(socketUrl(server.token));
    await new Promise((done) => raw.once('open', done));
    const ask = (message: unknown) =>
      new Promise<{ ok: boolean; error?: string }>((done) => {
        raw.once('message', (data) => done(JSON.parse(data.toString())));
        raw.send(JSON.stringify(message));
      });
    expect(await ask({ id: 1, call: 'nodeAction', payload: { runId, node: 'n7x', action: 'crash' } })).toMatchObject({ ok: false, error: expect.stringContaining('node: must be a node id n1..n9') });
    expect(await ask({ id: 2, call: 'nodeAction', payload: { runId, node: 'n1', action: 'explode' } })).toMatchObject({ ok: false, error: expect.stringContaining('nodeAction: invalid payload: action') });
    expect(await ask({ id: 3, call: 'partition', payload: { runId, spec: 'everything', extra: 1 } })).toMatchObject({ ok: false });
    expect(await ask({ id: 4, call: 'deleteAllFiles', payload: {} })).toMatchObject({ ok: false, error: 'unknown call "deleteAllFiles"' });
    expect(await ask({ id: 5, call: 'heal', payload: { runId: 'run-999' } })).toMatchObject({ ok: false, error: expect.stringContaining('no run run-999') });
    raw.close();
    const after = await lab.runState({ runId });
    expect(after.nodes).toEqual(before.nodes);
    expect(after.nowMs).toBe(before.nowMs);
    await expect(lab.importBundle({ base64: Buffer.from('not a zip').toString('base64') })).rejects.toThrow('not a caplab bundle');
    await lab.stopRun({ runId });
  });
});
