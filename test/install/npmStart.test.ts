// Issue 12, "npm start opens the app": where Electron's binary cannot be had, `npm start` prints
// one line saying so and serves the lab in browser mode, opening the browser with the address and
// its token. The download is made to fail on any machine (a mirror nobody listens on, an empty
// cache, no installed binary), so the test never launches a real Electron where one could run.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plainEnv, repositoryRoot } from './installedCopy';

const folder = mkdtempSync(join(tmpdir(), 'caplab-npm-start-'));
let child: ChildProcess | null = null;

afterAll(() => {
  // npm, the start script and `caplab serve` share the process group started here.
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  rmSync(folder, { recursive: true, force: true });
});

/** Waits until `text()` matches, or fails naming what was printed. */
async function until(text: () => string, pattern: RegExp, ms: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = pattern.exec(text());
    if (match !== null) return match;
    if (Date.now() > deadline || child?.exitCode !== null || child?.signalCode !== null) throw new Error(`no ${pattern} within ${ms} ms; printed:\n${text()}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('npm start where no Electron binary can be had', () => {
  it('says so in one line, serves browser mode within a minute, opens the browser at the address, and stops', async () => {
    // The "browser": records the address it was asked to open.
    const opened = join(folder, 'opened.txt');
    const browser = join(folder, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o755 });
    const env = plainEnv({
      ELECTRON_MIRROR: 'http://127.0.0.1:9/',
      electron_config_cache: join(folder, 'electron-cache'),
      ELECTRON_OVERRIDE_DIST_PATH: join(folder, 'no-electron'),
      BROWSER: browser,
    });
    // Without a display the start script would not launch Electron either, whatever happened.
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const started = Date.now();
    child = spawn('npm', ['start'], { cwd: repositoryRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const both = () => `${stdout}\n--- stderr ---\n${stderr}`;

    const [, url] = (await until(() => stdout, /caplab: serving (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/, 60_000)) as unknown as [string, string];
    expect(Date.now() - started).toBeLessThan(60_000);
    const ours = stdout.split('\n').filter((line) => line.startsWith('caplab: '));
    expect(ours[0], both()).toMatch(/^caplab: Electron's binary could not be downloaded \(.+\): opening the lab in your browser instead \(caplab serve --open\)$/);
    expect(both()).not.toMatch(/\n\s+at /); // no stack trace
    expect(both()).not.toContain('Electron uninstall');

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    expect((await fetch(new URL(url).origin)).status).toBe(403);
    await until(() => {
      try {
        return readFileSync(opened, 'utf8');
      } catch {
        return '';
      }
    }, /./, 10_000);
    expect(readFileSync(opened, 'utf8')).toBe(url);

    const exited = new Promise<void>((done) => child?.once('exit', () => done()));
    process.kill(-(child.pid as number), 'SIGINT');
    await exited;
    await expect(fetch(url)).rejects.toThrow();
  }, 90_000);
});
