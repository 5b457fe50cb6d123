import { createHash } from 'node:crypto';
import { Inflate, zipSync } from 'fflate';
import { limits } from '../src/base/limits';

/**
 * Run bundles (ARCHITECTURE §9): a zip of a run folder's files whose last entry is `manifest.json`,
 * the SHA-256 of every other file. Reading one checks its central directory against the caps
 * before anything inflates, inflates each file in small steps and stops as soon as it grows past
 * what it declared or past a cap (a zip bomb costs no more memory than the caps), then checks
 * every file against the manifest: a file changed, missing or added is refused by name.
 */

/** The manifest's name, the last entry of a bundle. */
export const manifestName = 'manifest.json';
/** Version of the manifest's schema; a reader refuses other versions. */
export const manifestFormat = 'caplab-manifest/1';

/** A bundle that cannot be imported: the message names the file and what is wrong. */
export class BundleError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** One file for a bundle: its path inside the bundle and its bytes. */
export interface BundleFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** The manifest's document. */
interface Manifest {
  readonly format: typeof manifestFormat;
  /** Lower-case hex SHA-256 of each file, by its path inside the bundle. */
  readonly files: Record<string, string>;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A path a bundle may hold: plain names, at most one folder deep, nothing that climbs out. */
const entryNamePattern = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)?$/;

/** Zips `files` (in the order given) and `manifest.json` last, with fixed times so equal files give equal bytes. */
export function packBundle(files: readonly BundleFile[]): Uint8Array {
  const zippable: Record<string, Uint8Array> = {};
  const manifest: Manifest = { format: manifestFormat, files: {} };
  for (const file of files) {
    if (!entryNamePattern.test(file.name) || file.name === manifestName) throw new Error(`bundle: ${file.name} is not a name a bundle may hold`);
    zippable[file.name] = file.bytes;
    manifest.files[file.name] = sha256Hex(file.bytes);
  }
  zippable[manifestName] = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  return zipSync(zippable, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') });
}

/** One entry of a zip's central directory. */
interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly dataOffset: number;
}

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;

/**
 * The central directory, every declared size checked against the caps; nothing is inflated.
 * Read here rather than through fflate's `unzipSync` filter: that keeps the last of two entries with
 * one name (a bundle holding a file twice would pass), does not check offsets against the file, and
 * inflates into a buffer of the declared size, so none of the refusals below could name the problem.
 */
function zipEntries(bytes: Uint8Array, source: string): ZipEntry[] {
  const notZip = (why: string): never => {
    throw new BundleError(`${source}: not a caplab bundle (not a readable zip: ${why})`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let offset = bytes.length - 22; offset >= Math.max(0, bytes.length - 22 - 0xffff); offset--) {
    if (view.getUint32(offset, true) === 0x06054b50) {
      end = offset;
      break;
    }
  }
  if (end < 0) return notZip('no end of central directory; the file is truncated or not a zip');
  const entryCount = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (entryCount === 0xffff || directoryOffset === 0xffffffff) return notZip('zip64 archives are not bundles');
  if (entryCount > limits.bundleEntriesMax) throw new BundleError(`${source}: holds ${entryCount} files; a bundle holds at most ${limits.bundleEntriesMax}`);
  if (directoryOffset + directorySize > end) return notZip('the central directory lies outside the file');
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let unpacked = 0;
  let offset = directoryOffset;
  for (let index = 0; index < entryCount; index++) {
    if (offset + 46 > end || view.getUint32(offset, true) !== 0x02014b50) return notZip(`central directory entry ${index + 1} is damaged`);
    const flags = view.getUint16(offset + 8, true);
    const method = view.getUint16(offset + 10, true);
    const compressedSize = view.getUint32(offset + 20, true);
    const size = view.getUint32(offset + 24, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const localOffset = view.getUint32(offset + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
    if (!entryNamePattern.test(name) || name.split('/').some((part) => part === '..' || part === '.')) {
      throw new BundleError(`${source}: holds ${JSON.stringify(name.slice(0, 120))}, not a name a bundle may hold (plain names at most one folder deep, no '..', no absolute paths)`);
    }
    if (names.has(name)) throw new BundleError(`${source}: holds ${name} twice`);
    names.add(name);
    if ((flags & 1) !== 0) throw new BundleError(`${source}!${name}: encrypted; a bundle is not`);
    if (method !== 0 && method !== 8) throw new BundleError(`${source}!${name}: compressed with method ${method}; a bundle uses deflate`);
    if (size > limits.bundleEntryBytesMax) throw new BundleError(`${source}!${name}: unpacks to ${mib(size)}; one file of a bundle may unpack to at most ${mib(limits.bundleEntryBytesMax)}`);
    unpacked += size;
    if (unpacked > limits.bundleUnpackedBytesMax) throw new BundleError(`${source}: unpacks to more than ${mib(limits.bundleUnpackedBytesMax)} (the most a bundle may), reached at ${name}`);
    if (localOffset + 30 > end || view.getUint32(localOffset, true) !== 0x04034b50) return notZip(`the local header of ${name} is damaged`);
    const dataOffset = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (dataOffset + compressedSize > end) return notZip(`${name} is truncated`);
    if (method === 0 && compressedSize !== size) return notZip(`${name} is stored with two different sizes`);
    entries.push({ name, method, compressedSize, size, dataOffset });
  }
  return entries;
}

/** Input bytes inflated per step: one step yields at most ~1032× as much (deflate's best ratio). */
const inflateStepBytes = 4096;

/** Inflates one entry, stopping as soon as it yields more than it declared. */
function inflateEntry(bytes: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  const compressed = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  if (entry.method === 0) return compressed.slice();
  const out = new Uint8Array(entry.size);
  let produced = 0;
  let ended = false;
  const inflate = new Inflate((chunk, final) => {
    if (produced + chunk.length > entry.size) throw new BundleError(`${source}!${entry.name}: unpacks to more than the ${entry.size} bytes it declares (a damaged or hostile zip)`);
    out.set(chunk, produced);
    produced += chunk.length;
    if (final) ended = true;
  });
  try {
    for (let start = 0; start < compressed.length; start += inflateStepBytes) {
      inflate.push(compressed.subarray(start, start + inflateStepBytes), start + inflateStepBytes >= compressed.length);
    }
    if (compressed.length === 0) inflate.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof BundleError) throw error;
    throw new BundleError(`${source}!${entry.name}: cannot be unpacked (${(error as Error).message})`);
  }
  if (!ended || produced !== entry.size) throw new BundleError(`${source}!${entry.name}: unpacks to ${produced} bytes, not the ${entry.size} it declares (truncated or damaged)`);
  return out;
}

/** Reads and checks the manifest (the last entry), before any other file inflates. */
function readManifest(entries: readonly ZipEntry[], bytes: Uint8Array, source: string): Manifest {
  const last = entries.at(-1);
  if (last?.name !== manifestName) {
    throw new BundleError(entries.some((entry) => entry.name === manifestName) ? `${source}: ${manifestName} is not the last file (it is written last, after every file it lists)` : `${source}: no ${manifestName} (written by an older caplab, or not by caplab): its files cannot be checked`);
  }
  const manifestBytes = inflateEntry(bytes, last, source);
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifestBytes));
  } catch (error) {
    throw new BundleError(`${source}!${manifestName}: not valid JSON (${(error as Error).message})`);
  }
  const where = `${source}!${manifestName}`;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new BundleError(`${where}: must be an object { format, files }`);
  const { format, files: listed } = document as Record<string, unknown>;
  if (format !== manifestFormat) {
    const version = typeof format === 'string' ? /^caplab-manifest\/(\d+)$/.exec(format) : null;
    if (version !== null && Number(version[1]) > 1) throw new BundleError(`${where}: format: ${format} is newer than this caplab reads (${manifestFormat}); update caplab`);
    throw new BundleError(`${where}: format: expected "${manifestFormat}", found ${JSON.stringify(format)}`);
  }
  if (typeof listed !== 'object' || listed === null || Array.isArray(listed)) throw new BundleError(`${where}: files: must map each file's name to its SHA-256`);
  for (const [name, digest] of Object.entries(listed)) {
    if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) throw new BundleError(`${where}: files.${name}: must be a SHA-256 in lower-case hex`);
  }
  return { format: manifestFormat, files: listed as Record<string, string> };
}

/**
 * Unpacks a bundle within the caps and checks every file against its manifest. Returns the files
 * by name (the manifest not among them). Throws BundleError naming what is wrong.
 */
export function unpackBundle(bytes: Uint8Array, source: string): Map<string, Uint8Array> {
  if (bytes.length > limits.bundleBytesMax) throw new BundleError(`${source}: ${mib(bytes.length)}; a bundle may be at most ${mib(limits.bundleBytesMax)}`);
  const entries = zipEntries(bytes, source);
  // The manifest first: a file it does not list, or one missing, is refused before anything else inflates.
  const manifest = readManifest(entries, bytes, source);
  const held = entries.slice(0, -1);
  const names = new Set(held.map((entry) => entry.name));
  for (const name of Object.keys(manifest.files)) {
    if (!names.has(name)) throw new BundleError(`${source}!${name}: listed in ${manifestName} but missing from the bundle`);
  }
  const files = new Map<string, Uint8Array>();
  for (const entry of held) {
    const listed = manifest.files[entry.name];
    if (listed === undefined) throw new BundleError(`${source}!${entry.name}: not listed in ${manifestName} (a file added after the bundle was written)`);
    const content = inflateEntry(bytes, entry, source);
    const actual = sha256Hex(content);
    if (actual !== listed) throw new BundleError(`${source}!${entry.name}: its SHA-256 is ${actual}, but ${manifestName} says ${listed} (the file was changed after the bundle was written)`);
    files.set(entry.name, content);
  }
  return files;
}
