// The sandboxed bridge (ARCHITECTURE §10): one named method per contract call and one `on` for the
// contract's events, each bound to its own channel. Nothing generic crosses: no raw ipcRenderer,
// no channel chosen by the page. Bundled to one CommonJS file by electron-vite.
import { contextBridge, ipcRenderer } from 'electron';
import { callChannel, callNames, eventChannel, eventNames } from '../src/contract/channels';

const api: Record<string, unknown> = {};
for (const name of callNames) api[name] = (request: unknown) => ipcRenderer.invoke(callChannel(name), request);
api.on = (event: string, listener: (payload: unknown) => void) => {
  if (!(eventNames as readonly string[]).includes(event)) throw new Error(`unknown lab event "${event}"`);
  const channel = eventChannel(event);
  const handler = (_event: unknown, payload: unknown) => listener(payload);
  ipcRenderer.on(channel, handler);
  return () => ipcRenderer.removeListener(channel, handler);
};

contextBridge.exposeInMainWorld('caplab', api);
