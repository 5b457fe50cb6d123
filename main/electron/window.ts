// The window's security settings and navigation rules as plain data and functions (no `electron`
// import), so tests assert exactly what the app uses (ARCHITECTURE §10), on the sources and on the
// built out/main with a stubbed `electron` module (test/install/electronMain.test.ts).

/** The renderer's Content-Security-Policy: only the app's own scripts, no remote content. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // ECharts and Vue set inline styles; no inline script is allowed
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** webPreferences and size of the one app window; `devTools` is off in the packaged app. */
export function windowOptions(preloadPath: string, options: { devTools?: boolean } = {}) {
  return {
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'caplab',
    webPreferences: {
      preload: preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: options.devTools ?? true,
      // Middle-click must not open links in new windows.
      disableBlinkFeatures: 'Auxclick',
    },
  } as const;
}

/** The app only ever shows its own page: any navigation elsewhere is refused. */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const target = new URL(url);
    const app = new URL(appUrl);
    return target.protocol === app.protocol && target.host === app.host && target.pathname === app.pathname;
  } catch {
    return false;
  }
}

/** Every permission a page may ask for (camera, notifications, …) is denied. */
export const permissionAllowed = (_permission: string): boolean => false;

/** The navigation events a web contents can be stopped at (Electron's WebContents, or a fake in tests). */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', listener: (event: { readonly url: string; preventDefault(): void }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { readonly url: string }) => { action: 'deny' }): void;
}

/**
 * What every web contents of the app gets (Electron's security checklist, items 13–15): a
 * navigation of any frame, or a redirect, away from the app's page is stopped; no new window,
 * no <webview>.
 */
export function guardContents(contents: GuardedContents, appUrl: string): void {
  const stayOnApp = (event: { readonly url: string; preventDefault(): void }) => {
    if (!isAppUrl(event.url, appUrl)) event.preventDefault();
  };
  contents.on('will-navigate', stayOnApp);
  contents.on('will-frame-navigate', stayOnApp);
  contents.on('will-redirect', stayOnApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
