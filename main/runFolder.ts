import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { chartBuilders } from '../src/metrics/charts';
import { describeFileError } from './fileErrors';

/**
 * Where a run folder is built (ARCHITECTURE §9): a fresh temporary folder beside the folder asked for,
 * renamed into place only when every file is written, so a run stopped or failed half-way
 * leaves nothing behind. The folder asked for must be absent, empty, or a caplab run folder
 * (which is replaced whole); anything else, a symbolic link included, is refused before the run
 * starts. Nothing here follows a symbolic link: files are created new (O_EXCL | O_NOFOLLOW)
 * inside a folder only this process made.
 */

/** A run folder that cannot be written: the message names the folder and what is wrong. */
export class RunFolderError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'RunFolderError';
  }
}

/** The files a run folder holds, and so the only ones that may be replaced with it. */
export const runFolderFileNames = ['experiment.yaml', 'summary.json', 'trace.jsonl', 'history.json', 'history.edn', 'metrics.csv', 'report.html', 'bundle.zip'] as const;
const chartFilePattern = new RegExp(`^(${chartBuilders.map((chart) => chart.name).join('|')})\\.(svg|png)$`);

/** The temporary folders of this process still being written (removed on SIGINT/SIGTERM). */
const temporaryFolders = new Set<string>();

const temporaryMarker = '.caplab-tmp-';

/** What is at `path` without following a link: 'absent', or the kind of thing there. */
function kindAt(path: string): 'absent' | 'link' | 'folder' | 'file' | 'other' {
  try {
    const stats = lstatSync(path);
    return stats.isSymbolicLink() ? 'link' : stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new RunFolderError(describeFileError(error, path, '--out'));
  }
}

/** Why `folder` (a real folder) is not a caplab run folder, or null when it is one (or empty). */
function notRunFolder(folder: string): string | null {
  const entries = readdirSync(folder, { withFileTypes: true });
  if (entries.length === 0) return null;
  const names = new Set(entries.map((entry) => entry.name));
  for (const entry of entries) {
    if (entry.name === 'charts' && entry.isDirectory()) {
      const strange = readdirSync(join(folder, 'charts'), { withFileTypes: true }).find((chart) => !chart.isFile() || !chartFilePattern.test(chart.name));
      if (strange !== undefined) return `it holds charts/${strange.name}, which caplab did not write`;
      continue;
    }
    if (!entry.isFile() || !(runFolderFileNames as readonly string[]).includes(entry.name)) return `it holds ${entry.name}${entry.isSymbolicLink() ? ' (a symbolic link)' : entry.isDirectory() ? '/' : ''}, which caplab did not write`;
  }
  if (!names.has('summary.json') || !names.has('bundle.zip')) return 'it has no summary.json and bundle.zip, so it is not a finished run folder';
  return null;
}

/** Refuses a target that a run folder may not take the place of. */
function checkTarget(target: string): void {
  const kind = kindAt(target);
  if (kind === 'absent') return;
  if (kind === 'link') throw new RunFolderError(`${target}: is a symbolic link; caplab writes a run folder only to a real folder (it never follows links)`);
  if (kind !== 'folder') throw new RunFolderError(`${target}: already exists and is not a folder`);
  let why: string | null;
  try {
    why = notRunFolder(target);
  } catch (error) {
    throw new RunFolderError(describeFileError(error, target, '--out'));
  }
  if (why !== null) throw new RunFolderError(`${target}: is not empty and not a caplab run folder (${why}); choose another folder, or empty this one`);
}

/** True when the process `pid` is gone (its temporary folders are stale). */
function processGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Removes the temporary folders that runs of this target left when their process died. */
function removeStaleTemporaries(parent: string, target: string): void {
  const prefix = `.${basename(target)}${temporaryMarker}`;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (Number.isSafeInteger(pid) && processGone(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** A run folder being built in its temporary folder. */
export interface StagedFolder {
  /** The folder asked for, where the files appear when `commit` succeeds. */
  readonly target: string;
  /** The temporary folder the files are written into meanwhile. */
  readonly staging: string;
  /** Writes a new file (never over an existing one, never through a link); returns its bytes' length. */
  write(name: string, content: string | Uint8Array): void;
  /** Puts the folder in place of the target (absent, empty, or an older run folder). */
  commit(): void;
  /** Removes the temporary folder; nothing appears. */
  discard(): void;
}

/** Writes a new file under `folder`, refusing to follow or replace anything. */
export function writeNewFile(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const descriptor = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(descriptor, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Starts a run folder for `target`: checks the target (before any run starts), removes stale
 * temporary folders of earlier runs of it, and makes a fresh temporary folder beside it.
 */
export function stageRunFolder(targetAsGiven: string): StagedFolder {
  const target = resolve(targetAsGiven);
  checkTarget(target);
  const parent = dirname(target);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (error) {
    throw new RunFolderError(describeFileError(error, parent, '--out'));
  }
  if (kindAt(parent) !== 'folder') throw new RunFolderError(`${targetAsGiven}: its parent ${parent} is not a folder`);
  removeStaleTemporaries(parent, target);
  let staging: string;
  try {
    staging = mkdtempSync(join(parent, `.${basename(target)}${temporaryMarker}${process.pid}-`));
  } catch (error) {
    throw new RunFolderError(describeFileError(error, parent, '--out'));
  }
  temporaryFolders.add(staging);
  const discard = (): void => {
    temporaryFolders.delete(staging);
    rmSync(staging, { recursive: true, force: true });
  };
  return {
    target,
    staging,
    write: (name, content) => writeNewFile(join(staging, name), content),
    commit() {
      try {
        checkTarget(target);
        if (kindAt(target) === 'absent') {
          renameSync(staging, target);
        } else if (readdirSync(target).length === 0) {
          rmdirSync(target);
          renameSync(staging, target);
        } else {
          // An older run folder: set it aside, put the new one in, then remove the old one.
          const old = `${staging}-old`;
          renameSync(target, old);
          renameSync(staging, target);
          rmSync(old, { recursive: true, force: true });
        }
        temporaryFolders.delete(staging);
      } catch (error) {
        discard();
        if (error instanceof RunFolderError) throw error;
        throw new RunFolderError(describeFileError(error, target, '--out'));
      }
    },
    discard,
  };
}

/** Removes every temporary run folder this process is writing (on SIGINT / SIGTERM). */
export function removeTemporaryRunFolders(): void {
  for (const folder of temporaryFolders) rmSync(folder, { recursive: true, force: true });
  temporaryFolders.clear();
}
