// `caplab serve` options (issue 12): --port 0 is any free port, a bad or busy port is named in
// the message with exit 2 (never a stack trace), --open uses $BROWSER or the platform's opener.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserCommand, portOption } from '../../cli/serve';

const root = resolve(__dirname, '..', '..');

describe('caplab serve --port', () => {
  it('takes 0 (any free port) to 65535 and names the option for anything else', () => {
    expect(portOption('0')).toBe(0);
    expect(portOption('8080')).toBe(8080);
    expect(portOption('65535')).toBe(65535);
    for (const bad of ['99999', '65536', '-1', '1.5', 'abc', '', '0x50', '1e3']) expect(() => portOption(bad), bad).toThrow(`--port must be a whole number from 0 to 65535 (0: any free port), got "${bad}"`);
  });

  it('says which port is in use, with exit 2 and no stack trace', async () => {
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const port = (busy.address() as { port: number }).port;
    try {
      const result = spawnSync(process.execPath, [join(root, 'bin', 'caplab.cjs'), 'serve', '--port', String(port)], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`caplab: --port ${port}: that port is in use on 127.0.0.1; choose another, or --port 0 for any free one\n`);
    } finally {
      busy.close();
    }
  });
});

describe('caplab serve --open', () => {
  const url = 'http://127.0.0.1:4000/?token=ab';
  it("opens $BROWSER when set ('none': nothing), else the platform's opener", () => {
    expect(browserCommand(url, 'linux', { BROWSER: '/opt/firefox/firefox' })).toEqual({ command: '/opt/firefox/firefox', args: [url] });
    expect(browserCommand(url, 'linux', { BROWSER: 'none' })).toBeNull();
    expect(browserCommand(url, 'linux', {})).toEqual({ command: 'xdg-open', args: [url] });
    expect(browserCommand(url, 'darwin', {})).toEqual({ command: 'open', args: [url] });
    expect(browserCommand(url, 'win32', {})?.command).toBe('cmd.exe');
  });
});
