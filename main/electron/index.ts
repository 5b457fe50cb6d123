// The Electron glue: with preload/, the only code that imports `electron` (lint enforces it).
// Everything it wires (the lab service, the IPC handlers, the window's options, the app's
// protocol, the menu, the navigation guards) lives in Electron-free modules that tests load.
import { BrowserWindow, Menu, app, dialog, ipcMain, protocol, session, shell } from 'electron';
import { join } from 'node:path';
import { type LabEventName, labEvents } from '../../src/contract/lab';
import { packageRoot } from '../packageRoot';
import { LabService } from '../service/labService';
import { appScheme, appSchemePrivileges, rendererEntry, rendererResponse } from './appProtocol';
import { registerLabIpc, eventChannel } from './ipc';
import { menuTemplate } from './menu';
import { contentSecurityPolicy, guardContents, permissionAllowed, windowOptions } from './window';

// Before the app is ready, as Electron requires: app:// is a standard, secure scheme.
protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: appSchemePrivileges }]);

/** out/main/ → out/renderer/ (inside app.asar when packaged, which the protocol reads as a folder). */
const rendererFolder = join(__dirname, '..', 'renderer');
const entryUrl = rendererEntry(app.isPackaged, process.env.ELECTRON_RENDERER_URL);

let mainWindow: BrowserWindow | null = null;
/** The save dialog for File › Save run files (the contract's saveRunFiles). */
async function chooseFolder(): Promise<string | null> {
  if (mainWindow === null) return null;
  const choice = await dialog.showOpenDialog(mainWindow, { title: 'Save run files to…', properties: ['openDirectory', 'createDirectory'] });
  return choice.canceled ? null : (choice.filePaths[0] ?? null);
}
const service = new LabService({ chooseFolder });

function createWindow(): void {
  const window = new BrowserWindow(windowOptions(join(__dirname, '..', 'preload', 'index.js'), { devTools: !app.isPackaged }));
  mainWindow = window;
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => (mainWindow = null));
  void window.loadURL(entryUrl);
}

function pushEvents(): void {
  service.subscribe((event, payload) => {
    if (mainWindow !== null && (labEvents as Record<LabEventName, unknown>)[event] !== undefined) mainWindow.webContents.send(eventChannel(event), payload);
  });
}

/** The README ships unpacked beside app.asar (electron-builder.yml): another program opens it. */
function openReadme(): void {
  void shell.openPath(join(packageRoot, 'README.md').replace(/\.asar(?=[\\/])/, '.asar.unpacked'));
}

// Every web contents, the window's and any other, stays on the app's page and opens nothing.
app.on('web-contents-created', (_event, contents) => guardContents(contents, entryUrl));

void app.whenReady().then(() => {
  protocol.handle(appScheme, (request) => rendererResponse(rendererFolder, request));
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(permissionAllowed(permission)));
  session.defaultSession.setPermissionCheckHandler((_contents, permission) => permissionAllowed(permission));
  // The dev server's pages (http, unpackaged only) get the same policy; app:// sets it itself.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });
  registerLabIpc(ipcMain, service, (frame) => mainWindow !== null && frame === mainWindow.webContents.mainFrame);
  pushEvents();
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ isMac: process.platform === 'darwin', packaged: app.isPackaged, openReadme }) as Electron.MenuItemConstructorOptions[]));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  void service.close().finally(() => app.quit());
});
