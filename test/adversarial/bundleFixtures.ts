import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import zlib from 'node:zlib';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { packBundle, manifestName, sha256Hex } from '../../main/bundle';
import { runToFolder } from '../../main/runFiles';
import { validateExperiment } from '../../src/experiment/schema';
import { nodeRunOptions } from '../../workers/runOptions';

/** Shared by the adversarial bundle and run-folder tests: a real bundle, and ways to take it apart. */

export const root = resolve(__dirname, '..', '..');

export function caplab(args: readonly string[], cwd = root) {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'caplab.cjs'), ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every path under `folder` (relative, sorted), to show that nothing was written or left. */
export function listing(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort();
}

export const smallExperiment = validateExperiment({ name: 'adversarial', protocol: 'raft', nodes: 3, durationMs: 800, workload: { clients: 2, ratePerSec: 40 } });

/** Writes a real run folder of a short simulated run and returns its bundle's bytes. */
export async function realBundle(): Promise<Uint8Array> {
  const scratch = mkdtempSync(join(tmpdir(), 'caplab-adv-bundle-'));
  try {
    await runToFolder(smallExperiment, join(scratch, 'run'), nodeRunOptions());
    return new Uint8Array(readFileSync(join(scratch, 'run', 'bundle.zip')));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The bundle's entries in order, the manifest among them (last). */
export function entries(bundle: Uint8Array): Array<[string, Uint8Array]> {
  return Object.entries(unzipSync(bundle));
}

/** Rezips entries exactly as given (the manifest left as it was). */
export function rezip(files: ReadonlyArray<readonly [string, Uint8Array]>): Uint8Array {
  return zipSync(Object.fromEntries(files), { level: 6 });
}

/** Rebuilds a bundle from edited files with a fresh manifest (as a forger would). */
export function repack(files: ReadonlyArray<readonly [string, Uint8Array]>): Uint8Array {
  return packBundle(files.filter(([name]) => name !== manifestName).map(([name, bytes]) => ({ name, bytes })));
}

/** The files with one changed (`edit` gets and returns text). */
export function edit(bundle: Uint8Array, name: string, change: (text: string) => string): Array<[string, Uint8Array]> {
  return entries(bundle).map(([file, bytes]) => [file, file === name ? strToU8(change(strFromU8(bytes))) : bytes]);
}

export { sha256Hex, strFromU8, strToU8 };

/** One raw zip entry: its compressed bytes and the size it declares, true or not. */
export interface RawEntry {
  readonly name: string;
  readonly data: Uint8Array;
  readonly declaredSize: number;
  readonly method?: number;
}

/** A zip written by hand, so its sizes may lie (CRCs are left 0: the manifest is what a bundle is checked by). */
export function rawZip(files: readonly RawEntry[]): Uint8Array {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(file.method ?? 8, 8);
    local.writeUInt32LE(file.data.length, 18);
    local.writeUInt32LE(file.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(file.method ?? 8, 10);
    central.writeUInt32LE(file.data.length, 20);
    central.writeUInt32LE(file.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, Buffer.from(file.data));
    directory.push(central, name);
    offset += 30 + name.length + file.data.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, directoryBytes, end]));
}

/**
 * Raw deflate of `mib` MiB of zeros, about 1 KB per MiB: one sync-flushed block of 1 MiB repeated
 * (its back-references reach only zeros), then an empty final block.
 */
export function deflatedZeros(mib: number): Uint8Array {
  const block = zlib.deflateRawSync(Buffer.alloc(1024 * 1024), { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return new Uint8Array(Buffer.concat([...Array.from({ length: mib }, () => block), Buffer.from([0x03, 0x00])]));
}
