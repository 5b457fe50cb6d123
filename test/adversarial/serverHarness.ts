// Tools of the adversarial suite for browser mode (issue 13): raw HTTP requests and raw WebSocket
// frames over a TCP socket, past every client library's own checks, and the "still serving" probe
// each test ends with.
import { randomBytes } from 'node:crypto';
import { type Socket, connect } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { WebSocket } from 'ws';
import { LabService } from '../../main/service/labService';
import { type WebServerHandle, startWebServer } from '../../main/service/webServer';

export interface RawResponse {
  /** The HTTP status, or 0 when the server closed without answering. */
  status: number;
  headers: string;
  body: string;
}

/** Sends `text` as is on a fresh TCP connection and reads until the server closes it (or `waitMs`). */
export function rawExchange(port: number, text: string | Buffer, waitMs = 3000, untilHeaders = false): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (untilHeaders && Buffer.concat(chunks).includes('\r\n\r\n')) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(text);
  });
}

export function parseResponse(bytes: Buffer): RawResponse {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  return { status: status === null ? 0 : Number(status[1]), headers: head, body: end < 0 ? '' : Buffer.from(text.slice(end + 4), 'latin1').toString('utf8') };
}

/** One HTTP/1.1 request with exactly these headers (`Host` included: pass null to leave it out). */
export async function rawRequest(port: number, options: { method?: string; target: string; host?: string | null; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  const host = options.host === undefined ? `127.0.0.1:${port}` : options.host;
  const lines = [`${options.method ?? 'GET'} ${options.target} HTTP/1.1`, ...(host === null ? [] : [`Host: ${host}`]), 'Connection: close'];
  for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`${name}: ${value}`);
  if (options.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(options.body)}`);
  return parseResponse(await rawExchange(port, `${lines.join('\r\n')}\r\n\r\n${options.body ?? ''}`));
}

/** The headers of a WebSocket upgrade (a random key), plus `extra`. */
export function upgradeHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Version': '13', ...extra };
}

/** An upgrade request's answer: the status line's code (101: the server took the WebSocket). */
export async function upgradeStatus(port: number, target: string, extra: Record<string, string> = {}, host?: string | null): Promise<RawResponse> {
  const lines = [`GET ${target} HTTP/1.1`, ...(host === null ? [] : [`Host: ${host ?? `127.0.0.1:${port}`}`])];
  for (const [name, value] of Object.entries(upgradeHeaders(extra))) lines.push(`${name}: ${value}`);
  return parseResponse(await rawExchange(port, `${lines.join('\r\n')}\r\n\r\n`, 1500, true));
}

/** A WebSocket frame as a client might send it, every field under the test's control. */
export interface FrameSpec {
  fin?: boolean;
  /** The three reserved bits (RSV1..RSV3) as a number 0..7. */
  rsv?: number;
  opcode: number;
  /** Clients must mask; false sends the payload in the clear. */
  mask?: boolean;
  payload?: Buffer;
  /** The length to claim in the header instead of the payload's. */
  claimedLength?: number;
}

export function frame(spec: FrameSpec): Buffer {
  const payload = spec.payload ?? Buffer.alloc(0);
  const length = spec.claimedLength ?? payload.length;
  const first = ((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 7) << 4) | (spec.opcode & 0x0f);
  const masked = spec.mask ?? true;
  let header: Buffer;
  if (length < 126) header = Buffer.from([first, (masked ? 0x80 : 0) | length]);
  else if (length < 65536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((byte, index) => byte ^ (key[index % 4] as number)));
  return Buffer.concat([header, key, body]);
}

export const textFrame = (text: string, extra: Partial<FrameSpec> = {}) => frame({ opcode: 1, payload: Buffer.from(text, 'utf8'), ...extra });

/** A frame the server sent (servers never mask). */
export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** Splits what the server sent after the handshake into frames (an incomplete tail is left out). */
export function serverFrames(bytes: Buffer): ServerFrame[] {
  const frames: ServerFrame[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = (bytes[at] as number) & 0x0f;
    let length = (bytes[at + 1] as number) & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (start + 2 > bytes.length) break;
      length = bytes.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      if (start + 8 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(start));
      start += 8;
    }
    if (start + length > bytes.length) break;
    frames.push({ opcode, payload: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return frames;
}

/** What came back for frames sent on a fresh, authorised WebSocket: the server's text messages and its close code (null: it did not close). */
export interface FrameOutcome {
  upgraded: boolean;
  messages: unknown[];
  closeCode: number | null;
}

/** Opens the lab's WebSocket by hand, sends `frames` and collects the answers for `waitMs`. */
export async function sendFrames(port: number, token: string, frames: Buffer[], waitMs = 400, messagesExpected = Infinity): Promise<FrameOutcome> {
  const lines = [`GET /lab?token=${token} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...Object.entries(upgradeHeaders()).map(([name, value]) => `${name}: ${value}`)];
  const bytes = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    const socket: Socket = connect(port, '127.0.0.1');
    let sent = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    let timer = setTimeout(finish, waitMs + 1500);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (!sent && end >= 0) {
        sent = true;
        for (const bytes of frames) socket.write(bytes);
        clearTimeout(timer);
        timer = setTimeout(finish, waitMs);
      }
      if (sent && serverFrames(all.subarray(end + 4)).filter((received) => received.opcode === 1).length >= messagesExpected) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const upgraded = text.startsWith('HTTP/1.1 101');
  const after = end < 0 ? Buffer.alloc(0) : bytes.subarray(end + 4);
  const messages: unknown[] = [];
  let closeCode: number | null = null;
  for (const received of serverFrames(after)) {
    if (received.opcode === 1) messages.push(JSON.parse(received.payload.toString('utf8')));
    if (received.opcode === 8) closeCode = received.payload.length >= 2 ? received.payload.readUInt16BE(0) : 1005;
  }
  return { upgraded, messages, closeCode };
}

/** One call over a fresh `ws` connection: the answer `{id, ok, result | error}`. */
export async function callOverSocket(port: number, token: string, call: string, payload: unknown): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/lab?token=${token}`);
  try {
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return await new Promise((resolve) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: number; ok: boolean };
        if (message.id === 1) resolve(message);
      });
      socket.send(JSON.stringify({ id: 1, call, payload }));
    });
  } finally {
    socket.close();
  }
}

/**
 * Errors that reached the process's top level while the suite ran: in `caplab serve` each would
 * have ended the server (vitest only reports them, after the fact). `stillServing` fails on any.
 */
export const uncaught: unknown[] = [];
process.on('uncaughtException', (error) => uncaught.push(error));
process.on('unhandledRejection', (reason) => uncaught.push(reason));

/** The server still serves: its page answers with the token (200, or 404 when the interface is not built) and a call over a new WebSocket is answered. */
export async function stillServing(port: number, token: string): Promise<void> {
  if (uncaught.length > 0) throw new Error(`the server would have died: ${uncaught.map((error) => String(error)).join('; ')}`);
  const page = await rawRequest(port, { target: `/?token=${token}` });
  if (page.status !== 200 && page.status !== 404) throw new Error(`the server no longer serves its page: status ${page.status}`);
  const answer = await callOverSocket(port, token, 'runState', { runId: 'run-999999' });
  if (answer.ok !== false || !String(answer.error).includes('no run run-999999')) throw new Error(`the server no longer answers calls: ${JSON.stringify(answer)}`);
}

/** One lab service behind its web server, for the tests of one file. */
export interface LabServer {
  readonly service: LabService;
  readonly server: WebServerHandle;
}

/**
 * Starts a lab service and its web server before the file's tests and closes both after them;
 * `closed` runs last (each file prints how many cases it tried). Read the fields inside tests or
 * hooks registered after this call: they exist from the first `beforeAll` on.
 */
export function labServerForFile(closed?: () => void): LabServer {
  let started: LabServer | undefined;
  beforeAll(async () => {
    const service = new LabService();
    started = { service, server: await startWebServer(service) };
  });
  afterAll(async () => {
    await started?.server.close();
    await started?.service.close();
    closed?.();
  });
  const get = (): LabServer => {
    if (started === undefined) throw new Error('the lab server starts in beforeAll: read it inside a test or a later hook');
    return started;
  };
  return {
    get service() {
      return get().service;
    },
    get server() {
      return get().server;
    },
  };
}
