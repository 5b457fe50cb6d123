import { limits } from '../src/base/limits';
import { BadInput } from './options';

/**
 * One shard of a seed range (ARCHITECTURE §14): shard `index` of `count`, 1-based as Playwright's
 * `--shard 2/4` (a Kubernetes completion index or a Slurm array task id is turned into it).
 */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The whole range as one shard: what a run without `--shard` is. */
export const shardWhole: Shard = { index: 1, count: 1 };


/** The environment variables `--shard auto` reads, in the order it tries them. */
export const shardAutoSources = [
  { engine: 'Kubernetes Indexed Job', index: 'JOB_COMPLETION_INDEX', count: 'JOB_COMPLETIONS', base: 0 },
  { engine: 'Slurm job array', index: 'SLURM_ARRAY_TASK_ID', count: 'SLURM_ARRAY_TASK_COUNT', base: null },
  { engine: 'caplab', index: 'CAPLAB_SHARD_INDEX', count: 'CAPLAB_SHARD_COUNT', base: 1 },
] as const;

function wholeNumber(name: string, text: string, min: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new BadInput(`${name} must be a whole number ≥ ${min}, got "${text}"`);
  return value;
}

function checked(shard: Shard, source: string): Shard {
  if (shard.count > limits.shardCountMax) throw new BadInput(`${source}: at most ${limits.shardCountMax} shards, got ${shard.count}`);
  if (shard.index > shard.count) throw new BadInput(`${source}: shard ${shard.index} of ${shard.count} does not exist (shards are numbered 1..${shard.count})`);
  return shard;
}

/**
 * `--shard I/N` (1 ≤ I ≤ N) or `--shard auto`, which takes the index and count a batch engine gives
 * each task: Kubernetes Indexed Jobs' `JOB_COMPLETION_INDEX` (0-based) with `JOB_COMPLETIONS` (set
 * it in the manifest to `spec.completions`: Kubernetes does not pass the count), Slurm arrays'
 * `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT` (counted from `SLURM_ARRAY_TASK_MIN`), or
 * `CAPLAB_SHARD_INDEX` (1-based) and `CAPLAB_SHARD_COUNT`.
 */
export function parseShard(text: string | undefined, environment: Readonly<Record<string, string | undefined>>): Shard {
  if (text === undefined) return shardWhole;
  if (text !== 'auto') {
    const match = /^(\d+)\/(\d+)$/.exec(text.trim());
    if (match === null) throw new BadInput(`--shard must be I/N (shard I of N, 1 ≤ I ≤ N, e.g. 2/4) or auto, got "${text}"`);
    return checked({ index: wholeNumber('--shard I', match[1] as string, 1), count: wholeNumber('--shard N', match[2] as string, 1) }, `--shard ${text}`);
  }
  for (const source of shardAutoSources) {
    const indexText = environment[source.index];
    if (indexText === undefined || indexText === '') continue;
    const countText = environment[source.count];
    if (countText === undefined || countText === '') throw new BadInput(`--shard auto: ${source.index} is set (${source.engine}) but ${source.count} is not; set it to the number of tasks`);
    const count = wholeNumber(source.count, countText, 1);
    const base = source.base ?? wholeNumber('SLURM_ARRAY_TASK_MIN', environment.SLURM_ARRAY_TASK_MIN ?? '0', 0);
    const index = wholeNumber(source.index, indexText, base) - base + 1;
    return checked({ index, count }, `--shard auto (${source.index}=${indexText}, ${source.count}=${countText})`);
  }
  throw new BadInput(`--shard auto: no batch engine's task index is set (${shardAutoSources.map((source) => source.index).join(', ')}); pass --shard I/N instead`);
}

/** The seeds shard `shard` runs of `count` seeds from `first`: a contiguous block, the blocks as even as they can be. */
export function shardSeeds(first: number, count: number, shard: Shard): { first: number; count: number } {
  const start = Math.floor(((shard.index - 1) * count) / shard.count);
  const end = Math.floor((shard.index * count) / shard.count);
  return { first: first + start, count: end - start };
}

export function shardName(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
