import type { LabClient } from '../../src/contract/lab';
import { type SocketLike, connectWebSocketLab } from './webSocketClient';

/** What the Electron preload exposes (preload/index.ts): one method per contract call. */
declare global {
  interface Window {
    caplab?: LabClient;
  }
}

/**
 * The one way the renderer reaches the lab: the preload bridge under Electron, the WebSocket in
 * browser mode (`caplab serve`). Stores call this; components never talk to the lab directly.
 */
export async function connectLab(): Promise<LabClient> {
  if (window.caplab !== undefined) return window.caplab;
  const token = new URLSearchParams(window.location.search).get('token');
  const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${protocol}//${window.location.host}/lab${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
  return connectWebSocketLab(url, (address) => new WebSocket(address) as unknown as SocketLike);
}
