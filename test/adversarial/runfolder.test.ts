import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFileError } from '../../main/fileErrors';
import { openRunFolder, runToFolder } from '../../main/runFiles';
import { RunFolderError } from '../../main/runFolder';
import { nodeRunOptions } from '../../workers/runOptions';
import { caplab, listing, root, smallExperiment } from './bundleFixtures';

/**
 * Issue 13 items 8, 9 and 12 (--out): a run folder is built beside its target and renamed into
 * place; a target that is not a caplab run folder, a link, or a file is refused before the run;
 * a failure or a signal leaves nothing. Each case asserts the answer and the folder's listing.
 */

const scratch = mkdtempSync(join(tmpdir(), 'caplab-adv-runfolder-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let caseNumber = 0;
/** A fresh parent folder for one case. */
function parent(): string {
  const folder = join(scratch, `case-${++caseNumber}`);
  mkdirSync(folder);
  return folder;
}

function refusedOpen(target: string, message: RegExp): void {
  expect(() => openRunFolder(smallExperiment, target, 'sim')).toThrow(RunFolderError);
  expect(() => openRunFolder(smallExperiment, target, 'sim')).toThrow(message);
}

describe('run --out refuses a folder it may not replace, before the run (item 8)', () => {
  it('a non-empty folder that is not a run folder: refused naming it and what it holds; nothing changes', () => {
    const home = parent();
    const target = join(home, 'out');
    mkdirSync(join(target, 'sub'), { recursive: true });
    writeFileSync(join(target, 'notes.txt'), 'mine');
    writeFileSync(join(target, 'sub', 'id_rsa'), 'secret');
    const before = listing(home);
    refusedOpen(target, /out: is not empty and not a caplab run folder \(it holds (notes\.txt|sub\/)/);
    expect(listing(home)).toEqual(before);
  });

  it('the CLI says so with exit 2, names the folder, and leaves it as it was', () => {
    const home = parent();
    const target = join(home, 'out');
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'mine');
    const before = listing(home);
    const result = caplab(['run', 'raft-healthy', '--duration-ms', '500', '--out', target]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${target}: is not empty and not a caplab run folder (it holds notes.txt`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(listing(home)).toEqual(before);
  });

  it('a run folder holding a file caplab did not write (sub/id_rsa, charts/x) is not replaced', () => {
    const home = parent();
    const target = join(home, 'out');
    mkdirSync(join(target, 'charts'), { recursive: true });
    for (const name of ['summary.json', 'bundle.zip', 'trace.jsonl']) writeFileSync(join(target, name), '{}');
    writeFileSync(join(target, 'charts', 'id_rsa'), 'secret');
    refusedOpen(target, /holds charts\/id_rsa, which caplab did not write/);
    expect(readFileSync(join(target, 'charts', 'id_rsa'), 'utf8')).toBe('secret');
  });

  it('a symbolic link, to a folder or to a file, is refused; its target is untouched', () => {
    const home = parent();
    mkdirSync(join(home, 'real'));
    writeFileSync(join(home, 'hostname'), 'host');
    symlinkSync(join(home, 'real'), join(home, 'to-folder'));
    symlinkSync(join(home, 'hostname'), join(home, 'to-file'));
    const before = listing(home);
    refusedOpen(join(home, 'to-folder'), /to-folder: is a symbolic link; caplab writes a run folder only to a real folder/);
    refusedOpen(join(home, 'to-file'), /to-file: is a symbolic link/);
    expect(listing(home)).toEqual(before);
    expect(readdirSync(join(home, 'real'))).toEqual([]);
  });

  it('EEXIST (a file) and ENOTDIR (a file on the path) are named, not thrown raw', () => {
    const home = parent();
    writeFileSync(join(home, 'file'), 'x');
    refusedOpen(join(home, 'file'), /file: already exists and is not a folder/);
    refusedOpen(join(home, 'file', 'out'), /--out .*file\/out: a part of the path is a file, not a folder \(ENOTDIR\)/);
    expect(listing(home)).toEqual(['file']);
    // EACCES cannot be made as root: the wording every errno gets is checked directly.
    expect(describeFileError(Object.assign(new Error('EACCES: permission denied, mkdtemp'), { code: 'EACCES', syscall: 'mkdtemp' }), '/x/out', '--out')).toBe('--out /x/out: permission denied (EACCES)');
    const result = caplab(['run', 'raft-healthy', '--duration-ms', '500', '--out', join(home, 'file')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/file: already exists and is not a folder/);
  });
});

describe('a run folder appears whole or not at all (items 8, 9)', () => {
  it('holds exactly the files the run wrote, its bundle exactly those, and replaces an older run folder', async () => {
    const home = parent();
    const target = join(home, 'out');
    await runToFolder(smallExperiment, target, nodeRunOptions());
    const first = listing(home);
    expect(first.filter((name) => name.startsWith('.'))).toEqual([]);
    const files = listing(target).filter((name) => name !== 'charts');
    const inBundle = Object.keys(unzipSync(new Uint8Array(readFileSync(join(target, 'bundle.zip'))))).sort();
    expect(inBundle).toEqual([...files.filter((name) => name !== 'bundle.zip'), 'manifest.json'].sort());
    // A second run into the same folder replaces it, leaving no old copy or temporary folder.
    await runToFolder({ ...smallExperiment, seed: 2 }, target, nodeRunOptions());
    expect(listing(home)).toEqual(first);
    expect(JSON.parse(readFileSync(join(target, 'summary.json'), 'utf8')).seed).toBe(2);
  });

  it('a failure during or after the run leaves no folder and no temporary folder', async () => {
    const home = parent();
    const failing = { ...nodeRunOptions(), linearizability: () => { throw new Error('the checker broke'); } };
    await expect(runToFolder(smallExperiment, join(home, 'out'), failing)).rejects.toThrow('the checker broke');
    expect(listing(home)).toEqual([]);
    const folder = openRunFolder(smallExperiment, join(home, 'out'), 'sim');
    expect(() => folder.finish({} as never)).toThrow();
    expect(listing(home)).toEqual([]);
  });

  it('a later run removes the temporary folders a dead run of the same target left', () => {
    const home = parent();
    const stale = join(home, '.out.caplab-tmp-999999999-abcdef');
    const otherTarget = join(home, '.elsewhere.caplab-tmp-999999999-abcdef');
    mkdirSync(stale);
    writeFileSync(join(stale, 'trace.jsonl.tmp-999999999'), 'x'.repeat(1000));
    mkdirSync(otherTarget);
    openRunFolder(smallExperiment, join(home, 'out'), 'sim').discard();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(otherTarget)).toBe(true); // another target's: not this run's to remove
    expect(listing(home)).toEqual(['.elsewhere.caplab-tmp-999999999-abcdef']);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during a run removes its temporary folder; nothing is left`, async () => {
      const home = parent();
      const target = join(home, 'out');
      const child = spawn(process.execPath, [join(root, 'bin', 'caplab.cjs'), 'run', 'raft-healthy', '--duration-ms', '3600000', '--out', target], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Wait until the run streams its trace into the temporary folder.
      const started = Date.now();
      while (!listing(home).some((name) => name.includes('trace.jsonl')) && Date.now() - started < 30_000) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(listing(home).some((name) => /^\.out\.caplab-tmp-\d+-/.test(name))).toBe(true);
      child.kill(signal);
      expect(await exited).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(stderr).toContain(`${signal}: stopped; the run folder was not written`);
      expect(listing(home)).toEqual([]);
    });
  }
});
