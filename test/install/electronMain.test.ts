// The Electron side of issue 12, on the built main process (out/main/index.js) loaded in plain
// Node with a stubbed `electron` (no Electron binary can run here): the renderer comes from the
// app:// protocol with its CSP header, ELECTRON_RENDERER_URL counts only in an unpackaged app,
// the packaged menu has no Reload or DevTools, every navigation and redirect away is stopped.
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadedMain, loadBuiltMain } from './electronStub';
import { expectAppProtocol, expectGuards, expectWindow } from './shellChecks';

const out = resolve(__dirname, '..', '..', 'out');
const indexJs = join(out, 'main', 'index.js');
const appUrl = 'app://caplab/index.html';
let launched: LoadedMain | null = null;

afterEach(async () => {
  await launched?.closeAll();
  launched = null;
});

describe('the built main process (out/main/index.js) with a stubbed electron', () => {
  it('packaged: loads app://caplab/ even when ELECTRON_RENDERER_URL is set, serves it with the CSP, has no DevTools or Reload', async () => {
    launched = loadBuiltMain(indexJs, { isPackaged: true, env: { ELECTRON_RENDERER_URL: 'http://127.0.0.1:9/evil' } });
    expect(launched.record.windows).toHaveLength(0); // nothing before ready
    await launched.ready();
    expectWindow(launched, { url: appUrl, packaged: true });
    await expectAppProtocol(launched, join(out, 'renderer'));
    expectGuards(launched, appUrl);
    // One IPC handler per contract call, each refusing a frame that is not the window's.
    const [channel, handler] = [...launched.record.ipcChannels][0]!;
    expect(channel).toMatch(/^lab:/);
    expect(() => handler({ senderFrame: { name: 'another frame' } }, {})).toThrow(/not the app's own window/);
  });

  it("unpackaged: electron-vite's dev server when it names one, with DevTools and Reload; app:// otherwise", async () => {
    launched = loadBuiltMain(indexJs, { isPackaged: false, env: { ELECTRON_RENDERER_URL: 'http://localhost:5173/' } });
    await launched.ready();
    expectWindow(launched, { url: 'http://localhost:5173/', packaged: false });
    expectGuards(launched, 'http://localhost:5173/');
    await launched.closeAll();

    launched = loadBuiltMain(indexJs, { isPackaged: false, env: { ELECTRON_RENDERER_URL: undefined } });
    await launched.ready();
    expectWindow(launched, { url: appUrl, packaged: false });
  });
});
