// Issue 12, the desktop package: electron-builder run with electron-builder.yml as a user with
// internet runs it (`npm run dist`), but for the `dir` target and with a stand-in Electron: no
// Electron binary can be downloaded here, so the stand-in is a file holding Electron's fuse wire
// in Electron's default state. Then: the fuses are flipped as configured, app.asar holds what the
// app needs and the native module and README are unpacked, and the app extracted from the
// archive runs: its CLI runs a live run on worker threads from the packed files and its main
// process, loaded with a stubbed `electron` as packaged, passes the shell checks.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import asar from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedMain, loadBuiltMain } from './electronStub';
import { plainEnv, repositoryRoot } from './installedCopy';
import { expectAppProtocol, expectGuards, expectWindow } from './shellChecks';

/** A fuse's state in the wire, as @electron/fuses writes it ('0' and '1'). */
const FuseState = { DISABLE: 48, ENABLE: 49 } as const;
/** Electron's fuse sentinel, then wire version 1, 8 fuses, each in Electron's default state. */
const sentinel = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const electronDefaults = [
  FuseState.ENABLE, // RunAsNode
  FuseState.DISABLE, // EnableCookieEncryption
  FuseState.ENABLE, // EnableNodeOptionsEnvironmentVariable
  FuseState.ENABLE, // EnableNodeCliInspectArguments
  FuseState.DISABLE, // EnableEmbeddedAsarIntegrityValidation
  FuseState.DISABLE, // OnlyLoadAppFromAsar
  FuseState.DISABLE, // LoadBrowserProcessSpecificV8Snapshot
  FuseState.ENABLE, // GrantFileProtocolExtraPrivileges
];

let folder: string;
let app: string;
let resources: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'caplab-packaged-'));
  const dist = join(folder, 'electron-dist');
  mkdirSync(join(dist, 'resources'), { recursive: true });
  writeFileSync(join(dist, 'electron'), Buffer.concat([Buffer.from(`#!/bin/sh\n# ${sentinel}`), Buffer.from([1, electronDefaults.length, ...electronDefaults]), Buffer.from('\n')]));
  chmodSync(join(dist, 'electron'), 0o755);
  writeFileSync(join(dist, 'version'), '45.5.0');
  const builder = join(repositoryRoot, 'node_modules', 'electron-builder', 'cli.js');
  const result = spawnSync(process.execPath, [builder, '--linux', 'dir', '--publish', 'never', '--config', 'electron-builder.yml', `-c.electronDist=${dist}`, '-c.electronVersion=45.5.0', `-c.directories.output=${join(folder, 'dist')}`], {
    cwd: repositoryRoot,
    env: plainEnv(),
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (result.status !== 0) throw new Error(`electron-builder failed:\n${result.stdout}\n${result.stderr}`);
  app = join(folder, 'dist', 'linux-unpacked');
  resources = join(app, 'resources');
}, 300_000);

afterAll(() => {
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
});

describe('the packaged app (electron-builder --linux dir)', () => {
  it('has its fuses set: no RunAsNode, NODE_OPTIONS or --inspect; asar integrity and only-load-from-asar on', async () => {
    const wire = await getCurrentFuseWire(join(app, 'caplab'));
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
  });

  it('packs the built app, its workers and the presets in app.asar, unpacks the native module and the README, and holds no sources', () => {
    const files = asar.listPackage(join(resources, 'app.asar'), { isPack: false }).map((file) => file.replaceAll('\\', '/'));
    for (const needed of ['/package.json', '/out/main/index.js', '/out/main/cli.js', '/out/preload/index.js', '/out/renderer/index.html', '/presets/raft-leader-crash.yaml', '/node_modules/piscina/dist/worker.js']) expect(files).toContain(needed);
    for (const worker of ['replica', 'sweep', 'checker', 'replay']) expect(files.some((file) => new RegExp(`^/out/main/chunks/${worker}\\.worker-[0-9a-f]+\\.js$`).test(file)), worker).toBe(true);
    const own = files.filter((file) => !file.startsWith('/node_modules/'));
    expect(own.filter((file) => /^\/(src|test|bench|cli|workers|main|renderer|preload)\//.test(file) || /\.(ts|mts|vue)$/.test(file))).toEqual([]);
    for (const absent of ['tsx', 'esbuild', 'electron', 'vue', 'vitest']) expect(files).not.toContain(`/node_modules/${absent}`);
    expect(existsSync(join(resources, 'app.asar.unpacked', 'README.md'))).toBe(true);
    expect(existsSync(join(resources, 'app.asar.unpacked', 'node_modules', '@resvg', 'resvg-js', 'index.js'))).toBe(true);
  });

  describe('extracted from app.asar', () => {
    let extracted: string;
    let launched: LoadedMain | null = null;
    beforeAll(() => {
      extracted = join(folder, 'extracted');
      asar.extractAll(join(resources, 'app.asar'), extracted);
      cpSync(join(resources, 'app.asar.unpacked'), extracted, { recursive: true });
    });
    afterAll(async () => {
      await launched?.closeAll();
    });

    it('runs a live run on worker threads with nothing but the packed files', () => {
      const work = mkdtempSync(join(folder, 'work-'));
      const result = spawnSync(process.execPath, [join(extracted, 'out', 'main', 'cli.js'), 'run', 'raft-leader-crash', '--runtime', 'threads', '--time-scale', '6', '--out', 'run', '--json'], { cwd: work, env: plainEnv(), encoding: 'utf8', timeout: 120_000 });
      expect(result.stdout, result.stderr).toContain('"threads"');
      expect(existsSync(join(work, 'run', 'charts', 'latency.png'))).toBe(true);
    });

    it('opens app://caplab/ from the packed renderer, with the security settings of a packaged app', async () => {
      launched = loadBuiltMain(join(extracted, 'out', 'main', 'index.js'), { isPackaged: true, env: { ELECTRON_RENDERER_URL: 'http://127.0.0.1:9/' } });
      await launched.ready();
      expectWindow(launched, { url: 'app://caplab/index.html', packaged: true });
      await expectAppProtocol(launched, join(extracted, 'out', 'renderer'));
      expectGuards(launched, 'app://caplab/index.html');
    });
  });
});
