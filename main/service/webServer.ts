import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';
import { ContractError, isLabCall } from '../../src/contract/lab';
import { packageRoot } from '../packageRoot';
import type { LabService } from './labService';

/** Where `electron-vite build` puts the renderer. */
export const rendererFolder = join(packageRoot, 'out', 'renderer');

/** The content type of each file of the built renderer (also served by the app's own protocol, main/electron/appProtocol.ts). */
export const contentTypes: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2' };

/** Incoming WebSocket messages larger than this are refused (a bundle import is the largest). */
const messageBytesMax = 256 * 1024 * 1024;

export interface WebServerHandle {
  readonly url: string;
  readonly token: string;
  readonly port: number;
  close(): Promise<void>;
}

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

function requestToken(request: IncomingMessage): string | null {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) return fromQuery;
  const cookie = /(?:^|;\s*)caplab_token=([0-9a-f]+)/.exec(request.headers.cookie ?? '');
  return cookie?.[1] ?? null;
}

/**
 * Browser mode (DESIGN §3, §11): serves the built renderer and the lab service over a WebSocket
 * on 127.0.0.1 only, behind a per-launch token. A request or WebSocket without the token gets
 * 403, so no other local page can drive the lab.
 */
export async function startWebServer(service: LabService, options: { port?: number; token?: string } = {}): Promise<WebServerHandle> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const server: Server = createServer((request, response) => serveHttp(request, response, token));
  const sockets = new WebSocketServer({ noServer: true, maxPayload: messageBytesMax });
  server.on('upgrade', (request, socket, head) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== '/lab' || !tokenMatches(requestToken(request), token)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(ws, service));
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((done) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function serveHttp(request: IncomingMessage, response: ServerResponse, token: string): void {
  if (!tokenMatches(requestToken(request), token)) {
    response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('403: this caplab server needs the token it printed when it started\n');
    return;
  }
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
  const path = normalize(join(rendererFolder, relative));
  const headers = { 'set-cookie': `caplab_token=${token}; HttpOnly; SameSite=Strict; Path=/`, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
  if (!path.startsWith(rendererFolder + sep) || !existsSync(path) || !statSync(path).isFile()) {
    const built = existsSync(join(rendererFolder, 'index.html'));
    response.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end(built ? `404: ${relative}\n` : '404: the interface is not built; run `npm run build` first\n');
    return;
  }
  response.writeHead(200, { ...headers, 'content-type': contentTypes[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
}

/** One connection: `{id, call, payload}` in; `{id, ok, result | error}` and `{event, payload}` out. */
function serveSocket(ws: WebSocket, service: LabService): void {
  const unsubscribe = service.subscribe((event, payload) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
  });
  ws.on('close', unsubscribe);
  ws.on('message', (data) => {
    let message: { id?: unknown; call?: unknown; payload?: unknown };
    try {
      message = JSON.parse(data.toString()) as typeof message;
    } catch {
      ws.send(JSON.stringify({ id: null, ok: false, error: 'message is not JSON' }));
      return;
    }
    const id = typeof message.id === 'number' ? message.id : null;
    if (!isLabCall(message.call)) {
      ws.send(JSON.stringify({ id, ok: false, error: `unknown call "${String(message.call)}"` }));
      return;
    }
    service.call(message.call, message.payload).then(
      (result) => ws.send(JSON.stringify({ id, ok: true, result })),
      (error: unknown) => ws.send(JSON.stringify({ id, ok: false, error: error instanceof ContractError || error instanceof Error ? error.message : String(error) })),
    );
  });
}
