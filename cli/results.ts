import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../main/atomicWrite';
import { caplabVersion } from '../main/packageRoot';
import { BadInput } from './options';
import type { ReportCommand, ReportScope, SeedLine } from './report';
import { type Shard, shardName, shardSeeds } from './shard';

/**
 * A shard's results file (ARCHITECTURE §14): JSON Lines. The first line says what ran — the format and
 * its version, the command, what it ran and a digest of it, caplab's version, the whole seed
 * range and this shard of it; then one line per seed, exactly its `--json` line, in seed order;
 * last a line with the shard's totals, so a file cut short is told from a finished one.
 */
export const resultsFormat = 'caplab-results/1';

export interface ResultsHeader extends ReportScope {
  readonly format: typeof resultsFormat;
  /** SHA-256 of what ran (the validated experiment, or the swarm's settings), so shards of different runs are refused. */
  readonly configSha256: string;
  readonly caplabVersion: string;
  readonly shard: Shard;
  readonly shardFirstSeed: number;
  readonly shardSeeds: number;
}

interface ResultsEnd {
  readonly end: true;
  readonly passed: number;
  readonly failed: number;
}

/** SHA-256 of a value's JSON. */
export function configDigest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** The header of shard `shard` of a run over `scope`'s seeds. */
export function resultsHeader(scope: ReportScope, config: unknown, shard: Shard): ResultsHeader {
  const seeds = shardSeeds(scope.firstSeed, scope.seeds, shard);
  return { format: resultsFormat, ...scope, configSha256: configDigest(config), caplabVersion: caplabVersion(), shard, shardFirstSeed: seeds.first, shardSeeds: seeds.count };
}

/** The file a shard writes in `folder`: named after the command, what ran, and the shard. */
export function resultsPath(folder: string, header: ResultsHeader): string {
  const what = header.name.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/, '').replace(/[^\w.-]+/g, '-');
  return join(folder, `${header.command}-${what}-shard-${header.shard.index}-of-${header.shard.count}.jsonl`);
}

/** Writes a shard's results file (atomically: it appears only when complete). */
export function writeResults(path: string, header: ResultsHeader, lines: readonly SeedLine[]): void {
  const failed = lines.filter((line) => !line.passed).length;
  const end: ResultsEnd = { end: true, passed: lines.length - failed, failed };
  writeFileAtomic(path, [header, ...lines, end].map((line) => `${JSON.stringify(line)}\n`).join(''));
}

export interface ResultsFile {
  readonly path: string;
  readonly header: ResultsHeader;
  readonly lines: readonly SeedLine[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one results file; anything but a complete file of this format is bad input naming the file and the line. */
export function readResults(path: string): ResultsFile {
  const rows = readFileSync(path, 'utf8').split('\n');
  if (rows.at(-1) === '') rows.pop();
  const parsed = rows.map((row, index) => {
    try {
      return JSON.parse(row) as unknown;
    } catch {
      throw new BadInput(`${path}: line ${index + 1} is not JSON: this is not a caplab results file`);
    }
  });
  const header = parsed[0];
  if (!isObject(header) || typeof header.format !== 'string') throw new BadInput(`${path}: line 1 has no "format": this is not a caplab results file`);
  if (header.format !== resultsFormat) throw new BadInput(`${path}: format ${header.format}, but this caplab reads ${resultsFormat}`);
  for (const field of ['command', 'name', 'configSha256', 'caplabVersion'] as const) if (typeof header[field] !== 'string') throw new BadInput(`${path}: line 1: "${field}" is missing`);
  for (const field of ['firstSeed', 'seeds', 'shardFirstSeed', 'shardSeeds'] as const) if (!Number.isSafeInteger(header[field])) throw new BadInput(`${path}: line 1: "${field}" must be a whole number`);
  const shard = header.shard;
  if (!isObject(shard) || !Number.isSafeInteger(shard.index) || !Number.isSafeInteger(shard.count)) throw new BadInput(`${path}: line 1: "shard" must be { index, count }`);
  const end = parsed.at(-1);
  if (parsed.length < 2 || !isObject(end) || end.end !== true) throw new BadInput(`${path}: ends before its last line: the shard did not finish (run it again)`);
  const lines = parsed.slice(1, -1).map((line, index) => {
    if (!isObject(line) || !Number.isSafeInteger(line.seed) || typeof line.passed !== 'boolean') throw new BadInput(`${path}: line ${index + 2} is not a seed's result ({ seed, passed, … })`);
    return line as SeedLine;
  });
  const typed = header as unknown as ResultsHeader;
  const expected = Array.from({ length: typed.shardSeeds }, (_, i) => typed.shardFirstSeed + i);
  if (lines.length !== expected.length || lines.some((line, index) => line.seed !== expected[index])) {
    throw new BadInput(`${path}: holds seeds ${describeSeeds(lines.map((line) => line.seed))}, but its header says ${describeSeeds(expected)}`);
  }
  return { path, header: typed, lines };
}

/** Seeds as ranges: "1..25, 51..75". */
export function describeSeeds(seeds: readonly number[]): string {
  if (seeds.length === 0) return 'none';
  const sorted = [...seeds].sort((a, b) => a - b);
  const ranges: string[] = [];
  let start = sorted[0] as number;
  let previous = start;
  for (const seed of [...sorted.slice(1), Number.NaN]) {
    if (seed === previous + 1) {
      previous = seed;
      continue;
    }
    ranges.push(start === previous ? `${start}` : `${start}..${previous}`);
    start = seed;
    previous = seed;
  }
  return ranges.join(', ');
}

/** The results files named: each file itself, each folder's `*.jsonl` files (sorted by name). */
export function resultsFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new BadInput(`${path}: no such file or folder`);
    if (statSync(path).isDirectory()) {
      const found = readdirSync(path).filter((name) => name.endsWith('.jsonl')).sort();
      if (found.length === 0) throw new BadInput(`${path}: the folder has no results files (*.jsonl)`);
      files.push(...found.map((name) => join(path, name)));
    } else files.push(path);
  }
  return files;
}

/** The field two shards must agree on, and how the problem is named when they do not. */
const agreement: ReadonlyArray<{ field: keyof ResultsHeader; problem: string }> = [
  { field: 'command', problem: 'come from different commands' },
  { field: 'name', problem: 'are of different experiments' },
  { field: 'configSha256', problem: 'are of different experiments (their settings differ)' },
  { field: 'caplabVersion', problem: 'were written by different caplab versions' },
  { field: 'firstSeed', problem: 'split different seed ranges' },
  { field: 'seeds', problem: 'split different seed ranges' },
];

/**
 * Shards merged into the unsharded run's scope and seed lines, or bad input naming the problem:
 * shards of different runs or versions, a seed in two files, seeds no file holds.
 */
export function mergeResults(files: readonly ResultsFile[]): { scope: ReportScope; lines: SeedLine[]; command: ReportCommand } {
  const first = files[0];
  if (first === undefined) throw new BadInput('merge: no results files given');
  for (const file of files.slice(1)) {
    for (const { field, problem } of agreement) {
      const a = JSON.stringify(first.header[field]);
      const b = JSON.stringify(file.header[field]);
      if (a !== b) throw new BadInput(`merge: ${first.path} and ${file.path} ${problem}: ${field} ${a} ≠ ${b}`);
    }
  }
  const owner = new Map<number, string>();
  const lines: SeedLine[] = [];
  for (const file of files) {
    for (const line of file.lines) {
      const other = owner.get(line.seed);
      if (other !== undefined) throw new BadInput(`merge: seed ${line.seed} is in both ${other} and ${file.path} (overlapping shards)`);
      owner.set(line.seed, file.path);
      lines.push(line);
    }
  }
  const { firstSeed, seeds } = first.header;
  const missing: number[] = [];
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) if (!owner.has(seed)) missing.push(seed);
  if (missing.length > 0) {
    const count = first.header.shard.count;
    const absent = Array.from({ length: count }, (_, i) => ({ index: i + 1, count })).filter((shard) => !files.some((file) => file.header.shard.index === shard.index && file.header.shard.count === count));
    const hint = absent.length > 0 ? ` (shard${absent.length > 1 ? 's' : ''} ${absent.map(shardName).join(', ')} not given)` : '';
    throw new BadInput(`merge: seeds ${describeSeeds(missing)} are in no file of the range ${firstSeed}..${firstSeed + seeds - 1}${hint}`);
  }
  lines.sort((a, b) => a.seed - b.seed);
  return { scope: { command: first.header.command, name: first.header.name, firstSeed, seeds }, lines, command: first.header.command };
}
