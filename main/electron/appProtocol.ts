// The app's own protocol (Electron's security checklist, item 18: no file://). The window loads
// app://caplab/index.html; every response comes from the built renderer folder, carries the
// Content-Security-Policy as a header (a webRequest hook never sees a file:// page) and nothing
// outside that folder is ever served. No `electron` import: index.ts hands this to protocol.handle.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { contentTypes } from '../service/webServer';
import { contentSecurityPolicy } from './window';

export const appScheme = 'app';
export const appHost = 'caplab';
export const appEntryUrl = `${appScheme}://${appHost}/index.html`;

/**
 * How the scheme is registered (protocol.registerSchemesAsPrivileged, before the app is ready):
 * standard (an origin, relative URLs, module scripts and workers resolve), secure (a secure
 * context like https), fetch allowed, V8 code cache. Not `corsEnabled`: that would let other
 * origins read the app's files, and the page needs no cross-origin request.
 */
export const appSchemePrivileges = { standard: true, secure: true, supportFetchAPI: true, codeCache: true } as const;

/**
 * The page the window loads: the built renderer over the app's own protocol; electron-vite's dev
 * server (ELECTRON_RENDERER_URL) only in an unpackaged app, so no environment variable can point
 * an installed app at another page.
 */
export function rendererEntry(packaged: boolean, devServerUrl: string | undefined): string {
  return !packaged && devServerUrl !== undefined && devServerUrl !== '' ? devServerUrl : appEntryUrl;
}

function plain(status: number, text: string): Response {
  return new Response(`${status}: ${text}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': contentSecurityPolicy, 'x-content-type-options': 'nosniff' } });
}

/** The response to one request of the app's protocol: a file of `rendererFolder`, or 404/405. */
export async function rendererResponse(rendererFolder: string, request: { readonly url: string; readonly method?: string }): Promise<Response> {
  if (request.method !== undefined && request.method !== 'GET' && request.method !== 'HEAD') return plain(405, `${request.method} is not served`);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return plain(404, 'not a URL');
  }
  if (url.protocol !== `${appScheme}:` || url.host !== appHost) return plain(404, `${url.origin} is not the app`);
  let relative: string;
  try {
    relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
  } catch {
    return plain(404, 'bad path');
  }
  const folder = normalize(rendererFolder);
  const path = normalize(join(folder, relative));
  if (!path.startsWith(folder + sep)) return plain(404, 'outside the app');
  try {
    if (!(await stat(path)).isFile()) return plain(404, relative);
    const body = await readFile(path);
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { 'content-type': contentTypes[extname(path)] ?? 'application/octet-stream', 'content-security-policy': contentSecurityPolicy, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' },
    });
  } catch {
    return plain(404, relative);
  }
}
