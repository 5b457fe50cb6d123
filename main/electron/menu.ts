// The application menu as plain data (no `electron` import): index.ts builds it with
// Menu.buildFromTemplate, tests read it. The packaged app has no Reload and no DevTools
// (Electron's security checklist); a development build keeps them.

/** A menu item as Electron's MenuItemConstructorOptions spells the parts used here. */
export interface MenuItem {
  readonly role?: string;
  readonly type?: 'separator';
  readonly label?: string;
  readonly submenu?: readonly MenuItem[];
  readonly click?: () => void;
}

export function menuTemplate(options: { readonly isMac: boolean; readonly packaged: boolean; readonly openReadme: () => void }): MenuItem[] {
  const develop: MenuItem[] = options.packaged ? [] : [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }];
  return [
    ...(options.isMac ? [{ role: 'appMenu' }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { label: 'View', submenu: [...develop, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'Read me (README)', click: options.openReadme }] },
  ];
}
