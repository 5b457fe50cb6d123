import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import { labCalls } from '../../src/contract/lab';
import { packageRoot } from '../packageRoot';
import type { LabService } from './labService';
import { type Refusal, type ServedAddress, admitRequest, decodePath, isRefusal, servedAddress } from './requestGate';
import { type ConnectionStats, serveSocket } from './socketConnection';

/** Where `electron-vite build` puts the renderer. */
export const rendererFolder = join(packageRoot, 'out', 'renderer');

/** The content type of each file of the built renderer (also served by the app's own protocol, main/electron/appProtocol.ts). */
export const contentTypes: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2' };

/** Incoming WebSocket messages larger than this are refused with close code 1009: the largest call (a bundle import) and its envelope. */
export const messageBytesMax = labCalls.importBundle.request.shape.base64.maxLength! + 64 * 1024;

export interface WebServerHandle {
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** One entry per WebSocket connection so far, in order (the flood test reads the peaks). */
  readonly connections: readonly ConnectionStats[];
  close(): Promise<void>;
}

const plainText = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

function refuseHttp(response: ServerResponse, refusal: Refusal): void {
  response.writeHead(refusal.status, plainText).end(`${refusal.status}: ${refusal.message}\n`);
}

/** Refuses an upgrade on the raw socket (no WebSocket yet), then closes it. */
function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  const reason = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed' }[refusal.status];
  const body = `${refusal.status}: ${refusal.message}\n`;
  socket.end(`HTTP/1.1 ${refusal.status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/**
 * Browser mode (ARCHITECTURE §3, §11): serves the built renderer and the lab service over a WebSocket
 * on 127.0.0.1 only. Every request passes the gate (`requestGate.ts`) first: it must parse, name
 * this server in `Host` and (when it has one) `Origin`, and carry the per-launch token, or it gets
 * 400/403 and nothing else happens. Each connection is bounded (`socketConnection.ts`).
 */
export async function startWebServer(service: LabService, options: { port?: number; token?: string } = {}): Promise<WebServerHandle> {
  const token = options.token ?? randomBytes(24).toString('hex');
  let address: ServedAddress | null = null;
  const connections: ConnectionStats[] = [];
  const server: Server = createServer((request, response) => {
    if (address !== null) serveHttp(request, response, address);
    else response.writeHead(503, plainText).end();
  });
  // A client that sends garbage before a request is whole gets 400 from Node and is dropped; it never reaches the gate.
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: messageBytesMax, perMessageDeflate: false });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until `ws` takes the socket over, a reset from the client must not become an uncaught error.
    socket.on('error', () => socket.destroy());
    if (address === null) return void socket.destroy();
    const admitted = admitRequest(request.url, request.headers, address);
    if (isRefusal(admitted)) return refuseUpgrade(socket, admitted);
    if (admitted.rawPathname !== '/lab') return refuseUpgrade(socket, { status: 404, message: 'the lab is at /lab' });
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const stats = { sendBufferBytesPeak: 0, batchesDropped: 0 };
      connections.push(stats);
      serveSocket(ws, service, stats);
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const port = (server.address() as AddressInfo).port;
  address = servedAddress(port, token);
  return {
    url: `${address.origin}/?token=${token}`,
    token,
    port,
    connections,
    close: () =>
      new Promise<void>((done) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function serveHttp(request: IncomingMessage, response: ServerResponse, address: ServedAddress): void {
  const admitted = admitRequest(request.url, request.headers, address);
  if (isRefusal(admitted)) return refuseHttp(response, admitted);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return refuseHttp(response, { status: 405, message: `${String(request.method).slice(0, 20)} is not served; the lab speaks over its WebSocket` });
  }
  const decoded = decodePath(admitted.rawPathname);
  if (decoded === null) return refuseHttp(response, { status: 400, message: 'the path is not valid percent-encoded UTF-8' });
  const relative = decoded === '/' ? 'index.html' : decoded.slice(1);
  const path = normalize(join(rendererFolder, relative));
  // The cookie lets the page's own assets load without the token in their URLs; it is named after this port and sent to its pages only.
  const headers = { 'set-cookie': `${address.cookieName}=${address.token}; HttpOnly; SameSite=Strict; Path=/`, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
  if (!path.startsWith(rendererFolder + sep) || !existsSync(path) || !statSync(path).isFile()) {
    const built = existsSync(join(rendererFolder, 'index.html'));
    response.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end(built ? `404: ${relative.slice(0, 200)}\n` : '404: the interface is not built; run `npm run build` first\n');
    return;
  }
  response.writeHead(200, { ...headers, 'content-type': contentTypes[extname(path)] ?? 'application/octet-stream' }).end(request.method === 'HEAD' ? undefined : readFileSync(path));
}
