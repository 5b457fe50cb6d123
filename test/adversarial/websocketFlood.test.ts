// A client that stops reading (issue 13, item 4): before, every live batch of a max-speed run was
// queued for it without bound (1.1 GB after 40 s). Now the connection's send buffer stays under
// its bound, the batches it could not take are dropped and counted, and once it reads again it is
// told what it missed (`liveDropped`); the run is unaffected and still exports.
// CAPLAB_FLOOD_MS lengthens the flood for a measurement (the closing note's figures);
// CAPLAB_FLOOD_NO_CLIENT=1 measures the same run with no client connected, and checks nothing else.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionLimits } from '../../main/service/socketConnection';
import type { WebServerHandle } from '../../main/service/webServer';
import { labServerForFile, serverFrames, stillServing, upgradeHeaders } from './serverHarness';

const floodMs = Number(process.env.CAPLAB_FLOOD_MS ?? 4000);
const noClient = process.env.CAPLAB_FLOOD_NO_CLIENT === '1';
const healthy = readFileSync(resolve(__dirname, '..', '..', 'presets', 'raft-healthy.yaml'), 'utf8').replace('durationMs: 10000', 'durationMs: 600000');

const lab = labServerForFile();

/** Opens the lab's WebSocket by hand and stops reading right after the handshake. */
async function stalledClient(): Promise<{ resume(): void; received(): Buffer; noticed(): boolean; close(): void }> {
  const socket = connect(lab.server.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  await new Promise<void>((done) => {
    const lines = [`GET /lab?token=${lab.server.token} HTTP/1.1`, `Host: 127.0.0.1:${lab.server.port}`, ...Object.entries(upgradeHeaders()).map(([name, value]) => `${name}: ${value}`)];
    socket.once('data', (chunk) => {
      chunks.push(chunk);
      socket.pause();
      done();
    });
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
  let noticed = false;
  let tail = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    chunks.push(chunk);
    noticed ||= Buffer.concat([tail, chunk]).includes('"event":"liveDropped"');
    tail = chunk.subarray(Math.max(0, chunk.length - 32));
  });
  // The kernel's buffers on both ends are what a stalled client still takes: keep the client's small.
  return { resume: () => socket.resume(), received: () => Buffer.concat(chunks), noticed: () => noticed, close: () => socket.destroy() };
}

describe('a client that stops reading during a max-speed run', () => {
  it("keeps the connection's send buffer bounded, drops live batches, says so when the client reads again, and the run still exports", async () => {
    const client = noClient ? null : await stalledClient();
    const rssStartBytes = process.memoryUsage().rss;
    let rssPeakBytes = rssStartBytes;
    // What the lab offered this connection: the bytes a server without a bound would have queued for it.
    let offeredBytes = 0;
    const offered = lab.service.subscribe((event, payload) => (offeredBytes += Buffer.byteLength(JSON.stringify({ event, payload }))));
    const sampler = setInterval(() => (rssPeakBytes = Math.max(rssPeakBytes, process.memoryUsage().rss)), 50);
    const { runId } = await lab.service.call('startRun', { text: healthy, source: 'raft-healthy.yaml', speed: 'max', seed: 2 });
    // At least floodMs, and on a busy machine (a slower run) until the buffer has overflowed, within a minute.
    // Optional: the server before the fix kept no statistics (the figure is then RSS only).
    const statsOf = () => (lab.server.connections as WebServerHandle['connections'] | undefined)?.[0];
    const floodStart = Date.now();
    while (Date.now() - floodStart < floodMs || ((statsOf()?.batchesDropped ?? 1) === 0 && Date.now() - floodStart < 60_000)) await new Promise((done) => setTimeout(done, 100));
    const { summary } = await lab.service.call('stopRun', { runId });
    clearInterval(sampler);
    offered();
    const stats = statsOf();
    const mebibytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.info(`flood ${Date.now() - floodStart} ms: RSS ${mebibytes(rssStartBytes)} → peak ${mebibytes(rssPeakBytes)} MiB; live bytes offered ${mebibytes(offeredBytes)} MiB; send buffer peak ${mebibytes(stats?.sendBufferBytesPeak ?? NaN)} MiB; ${stats?.batchesDropped ?? '?'} live batches dropped; simulated ${summary.ops ? JSON.stringify(summary.ops) : ''}`);

    if (client === null) return;
    expect(stats).toBeDefined();
    // Bounded: the cap plus the one message that crossed it (a trace batch holds at most 20,000 events).
    expect(stats!.sendBufferBytesPeak).toBeLessThan(connectionLimits.sendBufferBytesMax + 8 * 1024 * 1024);
    expect(stats!.batchesDropped).toBeGreaterThan(0);

    // The client reads again: it is told what it missed.
    client.resume();
    const deadline = Date.now() + 20_000;
    while (!client.noticed() && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
    const received = client.received();
    const start = received.indexOf('\r\n\r\n') + 4;
    const notices = serverFrames(received.subarray(start))
      .filter((received) => received.opcode === 1 && received.payload.includes('"event":"liveDropped"'))
      .map((received) => JSON.parse(received.payload.toString('utf8')) as { payload: { runId: string; metricsBatches: number; traceBatches: number; traceEvents: number } });
    expect(notices.length).toBeGreaterThan(0);
    expect(notices[0]!.payload.runId).toBe(runId);
    expect(notices.reduce((sum, notice) => sum + notice.payload.metricsBatches + notice.payload.traceBatches, 0)).toBeGreaterThan(0);
    client.close();

    // Nothing was lost from the run itself.
    const { files } = await lab.service.call('exportRun', { runId });
    expect(JSON.parse(Buffer.from(files.find((file) => file.name === 'summary.json')!.base64, 'base64').toString('utf8'))).toEqual(summary);
    await stillServing(lab.server.port, lab.server.token);
  }, 180_000 + 3 * floodMs);
});
