// A stand-in for the `electron` module, so the BUILT main process (out/main/index.js, of the
// repository or of a packaged app.asar) can be loaded in plain Node: no Electron binary can run
// on these machines. It records what the app asks of Electron (schemes, protocol handlers,
// windows, menus, handlers) and lets a test play Electron's part (ready, navigation events).
import Module from 'node:module';
import { dirname } from 'node:path';

type Listener = (...args: unknown[]) => unknown;

/** A web contents: the navigation listeners the app registered, and its window-open handler. */
export class FakeContents {
  readonly listeners = new Map<string, Listener[]>();
  openHandler: ((details: { url: string }) => unknown) | null = null;
  readonly mainFrame = { name: 'main frame' };
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => unknown): void {
    this.openHandler = handler;
  }
  send(): void {}
  /** Fires a navigation-like event at `url`; true when some listener prevented it. */
  navigate(event: string, url: string): boolean {
    let prevented = false;
    const details = { url, preventDefault: () => (prevented = true) };
    for (const listener of this.listeners.get(event) ?? []) listener(details, url);
    return prevented;
  }
}

export interface ElectronRecord {
  /** What the app did, in order (e.g. 'registerSchemesAsPrivileged', 'ready', 'protocol.handle app'). */
  readonly order: string[];
  readonly privilegedSchemes: Array<{ scheme: string; privileges: Record<string, unknown> }>;
  readonly protocolHandlers: Map<string, (request: Request) => Promise<Response> | Response>;
  readonly windows: Array<{ options: { webPreferences: Record<string, unknown> }; loaded: string | null; webContents: FakeContents }>;
  readonly ipcChannels: Map<string, Listener>;
  menu: Array<Record<string, unknown>> | null;
  permissionRequest: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null;
  readonly openedPaths: string[];
}

export interface LoadedMain {
  readonly record: ElectronRecord;
  /** Plays Electron's `ready` and waits for the app's whenReady work. */
  ready(): Promise<void>;
  /** Closes every window (the app then closes its lab service and quits). */
  closeAll(): Promise<void>;
}

/**
 * Loads the built main process `indexJs` with the stub as `electron`: `isPackaged` as given,
 * `env` set around the load (ELECTRON_RENDERER_URL …). Every module of the build is loaded
 * afresh, so each call is one launch of the app.
 */
export function loadBuiltMain(indexJs: string, options: { isPackaged: boolean; env?: Record<string, string | undefined> }): LoadedMain {
  const record: ElectronRecord = { order: [], privilegedSchemes: [], protocolHandlers: new Map(), windows: [], ipcChannels: new Map(), menu: null, permissionRequest: null, openedPaths: [] };
  const appListeners = new Map<string, Listener[]>();
  const emit = (event: string, ...args: unknown[]) => (appListeners.get(event) ?? []).map((listener) => listener(...args));
  let isReady = false;
  let markReady = () => {};
  const readyPromise = new Promise<void>((done) => (markReady = done));
  let quit = () => {};
  const quitPromise = new Promise<void>((done) => (quit = done));

  class BrowserWindow {
    readonly webContents = new FakeContents();
    loaded: string | null = null;
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      record.windows.push(this);
      emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string): Promise<void> {
      this.loaded = url;
      return Promise.resolve();
    }
    loadFile(file: string): Promise<void> {
      this.loaded = `loadFile:${file}`;
      return Promise.resolve();
    }
    once(): this {
      return this;
    }
    on(): this {
      return this;
    }
    show(): void {}
    static getAllWindows(): BrowserWindow[] {
      return record.windows as unknown as BrowserWindow[];
    }
  }

  const electron = {
    app: {
      isPackaged: options.isPackaged,
      whenReady: () => readyPromise,
      on: (event: string, listener: Listener) => appListeners.set(event, [...(appListeners.get(event) ?? []), listener]),
      quit: () => quit(),
      getPath: () => dirname(indexJs),
    },
    protocol: {
      registerSchemesAsPrivileged(schemes: ElectronRecord['privilegedSchemes']) {
        if (isReady) throw new Error('registerSchemesAsPrivileged after ready: Electron ignores it then');
        record.order.push('registerSchemesAsPrivileged');
        record.privilegedSchemes.push(...schemes);
      },
      handle(scheme: string, handler: (request: Request) => Promise<Response>) {
        record.order.push(`protocol.handle ${scheme}`);
        record.protocolHandlers.set(scheme, handler);
      },
    },
    BrowserWindow,
    Menu: {
      buildFromTemplate: (template: Array<Record<string, unknown>>) => ({ template }),
      setApplicationMenu: (menu: { template: Array<Record<string, unknown>> }) => (record.menu = menu.template),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: ElectronRecord['permissionRequest']) => (record.permissionRequest = handler),
        setPermissionCheckHandler: () => {},
        webRequest: { onHeadersReceived: () => {} },
      },
    },
    ipcMain: { handle: (channel: string, listener: Listener) => record.ipcChannels.set(channel, listener), removeHandler: () => {} },
    dialog: { showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }) },
    shell: { openPath: (path: string) => (record.openedPaths.push(path), Promise.resolve('')) },
  };

  const buildFolder = dirname(dirname(indexJs));
  const cache = Module.createRequire(indexJs).cache;
  for (const key of Object.keys(cache)) if (key.startsWith(buildFolder)) delete cache[key];
  const saved = new Map(Object.keys(options.env ?? {}).map((name) => [name, process.env[name]]));
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const load = loader._load;
  loader._load = function (request: string, ...rest: [unknown, boolean]) {
    return request === 'electron' ? electron : load.call(this, request, ...rest);
  };
  try {
    Module.createRequire(indexJs)(indexJs);
  } finally {
    loader._load = load;
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return {
    record,
    async ready() {
      isReady = true;
      record.order.push('ready');
      markReady();
      // whenReady().then(...) runs on the next turns of the event loop.
      await new Promise((done) => setTimeout(done, 20));
    },
    async closeAll() {
      emit('window-all-closed');
      await quitPromise;
    },
  };
}
