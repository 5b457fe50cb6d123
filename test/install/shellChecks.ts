// What Electron's security checklist asks of the shell (issue 12), asserted on a BUILT main
// process loaded with the stubbed `electron` (electronStub.ts): the repository's out/main and the
// packaged app.asar's (packaged.test.ts) go through the same checks.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { contentSecurityPolicy } from '../../main/electron/window';
import type { LoadedMain } from './electronStub';

const developerRoles = ['reload', 'forceReload', 'toggleDevTools'];

function roles(template: ReadonlyArray<Record<string, unknown>>): string[] {
  return template.flatMap((item) => [...(typeof item.role === 'string' ? [item.role] : []), ...roles((item.submenu as Array<Record<string, unknown>> | undefined) ?? [])]);
}

/** The window, its page and its menu, once the app is ready. */
export function expectWindow(launch: LoadedMain, expected: { url: string; packaged: boolean }): void {
  const { record } = launch;
  expect(record.windows).toHaveLength(1);
  const window = record.windows[0]!;
  expect(window.loaded).toBe(expected.url);
  expect(window.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, devTools: !expected.packaged });
  const menuRoles = roles(record.menu ?? []);
  expect(menuRoles).toContain('togglefullscreen');
  if (expected.packaged) for (const role of developerRoles) expect(menuRoles).not.toContain(role);
  else expect(menuRoles).toEqual(expect.arrayContaining(developerRoles));
}

/**
 * The app:// protocol: registered as privileged before ready, handled after it, serving the
 * built renderer with the CSP as a header and nothing outside that folder.
 */
export async function expectAppProtocol(launch: LoadedMain, rendererFolder: string): Promise<void> {
  const { record } = launch;
  expect(record.order.indexOf('registerSchemesAsPrivileged')).toBeLessThan(record.order.indexOf('ready'));
  expect(record.privilegedSchemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
  expect(record.privilegedSchemes[0]!.privileges.corsEnabled).not.toBe(true);
  const handler = record.protocolHandlers.get('app');
  expect(handler).toBeDefined();
  const get = (url: string, init?: RequestInit) => Promise.resolve(handler!(new Request(url, init)));

  const page = await get('app://caplab/index.html');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');
  expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy);
  expect(await page.text()).toContain('<div id="app">');
  const script = readdirSync(join(rendererFolder, 'assets')).find((name) => name.endsWith('.js'));
  const asset = await get(`app://caplab/assets/${script}`);
  expect(asset.status).toBe(200);
  expect(asset.headers.get('content-type')).toContain('text/javascript');
  expect(asset.headers.get('content-security-policy')).toBe(contentSecurityPolicy);

  // Nothing but the renderer folder: not the package.json beside it, nor another host's path.
  for (const url of ['app://caplab/%2e%2e/%2e%2e/package.json', 'app://caplab/..%2f..%2fpackage.json', 'app://caplab/../main/index.js', 'app://other/index.html', 'app://caplab/no-such-file.js']) {
    const response = await get(url);
    expect(response.status, url).toBe(404);
  }
  expect((await get('app://caplab/index.html', { method: 'POST', body: 'x' })).status).toBe(405);
}

/** Navigation, redirects, new windows, webviews and permissions: all refused for anything but the app's page. */
export function expectGuards(launch: LoadedMain, appUrl: string): void {
  const contents = launch.record.windows[0]!.webContents;
  for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
    expect(contents.navigate(event, 'https://example.com/'), event).toBe(true);
    expect(contents.navigate(event, 'file:///etc/passwd'), event).toBe(true);
    expect(contents.navigate(event, appUrl), event).toBe(false);
  }
  expect(contents.navigate('will-attach-webview', 'https://example.com/')).toBe(true);
  expect(contents.openHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  let granted: boolean | null = null;
  launch.record.permissionRequest?.({}, 'media', (answer) => (granted = answer));
  expect(granted).toBe(false);
}
