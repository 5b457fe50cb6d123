// The Electron glue: the only main-process file that imports `electron`. Everything it wires
// (the lab service, the IPC handlers, the window's options) lives in Electron-free modules.
import { BrowserWindow, Menu, app, dialog, ipcMain, session, shell } from 'electron';
import { join } from 'node:path';
import { type LabEventName, labEvents } from '../src/contract/lab';
import { registerLabIpc, eventChannel } from './ipc';
import { LabService } from './service/labService';
import { contentSecurityPolicy, isAppUrl, permissionAllowed, windowOptions } from './window';

let mainWindow: BrowserWindow | null = null;
/** The save dialog for File › Save run files (the contract's saveRunFiles). */
async function chooseFolder(): Promise<string | null> {
  if (mainWindow === null) return null;
  const choice = await dialog.showOpenDialog(mainWindow, { title: 'Save run files to…', properties: ['openDirectory', 'createDirectory'] });
  return choice.canceled ? null : (choice.filePaths[0] ?? null);
}
const service = new LabService({ chooseFolder });
const appUrl = (): string => (process.env.ELECTRON_RENDERER_URL ?? `file://${join(__dirname, '../renderer/index.html')}`);

function createWindow(): void {
  const window = new BrowserWindow(windowOptions(join(__dirname, '../preload/index.js')));
  mainWindow = window;
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, appUrl())) event.preventDefault();
  });
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => (mainWindow = null));
  void (process.env.ELECTRON_RENDERER_URL !== undefined ? window.loadURL(process.env.ELECTRON_RENDERER_URL) : window.loadFile(join(__dirname, '../renderer/index.html')));
}

function pushEvents(): void {
  service.subscribe((event, payload) => {
    if (mainWindow !== null && (labEvents as Record<LabEventName, unknown>)[event] !== undefined) mainWindow.webContents.send(eventChannel(event), payload);
  });
}

function buildMenu(): void {
  const isMac = process.platform === 'darwin';
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(isMac ? [{ role: 'appMenu' as const }] : []),
      { role: 'fileMenu' as const },
      { role: 'editMenu' as const },
      {
        label: 'View',
        submenu: [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }, { role: 'resetZoom' as const }, { role: 'zoomIn' as const }, { role: 'zoomOut' as const }, { type: 'separator' as const }, { role: 'togglefullscreen' as const }],
      },
      { role: 'windowMenu' as const },
      { role: 'help' as const, submenu: [{ label: 'Design notes (README)', click: () => void shell.openPath(join(__dirname, '../../README.md')) }] },
    ]),
  );
}

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(permissionAllowed(permission)));
  session.defaultSession.setPermissionCheckHandler((_contents, permission) => permissionAllowed(permission));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });
  registerLabIpc(ipcMain, service, (frame) => mainWindow !== null && frame === mainWindow.webContents.mainFrame);
  pushEvents();
  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  void service.close().finally(() => app.quit());
});
