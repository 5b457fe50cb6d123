import type { Command } from 'commander';
import { limits } from '../src/base/limits';
import type { Experiment } from '../src/experiment/schema';
import { loadExperiment } from '../main/experimentFile';
import { SweepPool } from '../main/service/sweepService';
import type { SweepOutcome } from '../src/contract/worker';
import { BadInput, integerOption } from './options';
import { type ReportScope, printReportEnd, processOutput, SeedLinesInOrder, seedLineText } from './report';
import { resultsHeader, resultsPath, writeResults } from './results';
import { withOverrides } from './run';
import { parseShard, shardName, shardSeeds } from './shard';

/** Runs seeds in parallel worker threads (the app's sweep pool); resolves with every outcome in seed order. */
export async function sweepSeeds(experiment: Experiment, seeds: readonly number[], jobs: number, onOutcome?: (outcome: SweepOutcome) => void): Promise<SweepOutcome[]> {
  const pool = new SweepPool(jobs, { threadsKept: true });
  try {
    return await Promise.all(
      seeds.map(async (seed) => {
        const outcome = await pool.runSeed(experiment, seed);
        onOutcome?.(outcome);
        return outcome;
      }),
    );
  } finally {
    await pool.destroy();
  }
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('run an experiment over many seeds in parallel; print each failing seed with the command that reproduces it')
    .argument('<experiment>', 'preset name or experiment file')
    .requiredOption('--seeds <n>', 'how many seeds')
    .option('--first-seed <s>', 'first seed', '1')
    .option('--jobs <k>', 'worker threads', '2')
    .option('--runtime <runtime>', 'sim (sweeps run in the simulator)', 'sim')
    .option('--shard <I/N|auto>', 'run shard I of N of the seeds (auto: from JOB_COMPLETION_INDEX/JOB_COMPLETIONS or SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT); writes a results file for caplab merge')
    .option('--out <dir>', 'write the results file (JSON Lines) there (default with --shard: the current folder)')
    .option('--json', 'one JSON line per seed, in seed order, then a total line')
    .action(async (name: string, options: { seeds: string; firstSeed: string; jobs: string; runtime: string; shard?: string; out?: string; json?: boolean }) => {
      if (options.runtime !== 'sim') throw new BadInput('--runtime: sweeps run in the simulator only (sim)');
      const range = seedRange(options);
      const shard = parseShard(options.shard, process.env);
      const jobs = integerOption('--jobs', options.jobs, 1);
      const experiment = withOverrides(loadExperiment(name), {}, name);
      const scope: ReportScope = { command: 'sweep', name, ...range };
      const mine = shardSeeds(range.firstSeed, range.seeds, shard);
      const json = options.json === true;
      const inOrder = new SeedLinesInOrder(mine.first, json ? (line) => process.stdout.write(seedLineText(line)) : null);
      const seeds = Array.from({ length: mine.count }, (_, i) => mine.first + i);
      await sweepSeeds(experiment, seeds, jobs, (outcome) => inOrder.add({ seed: outcome.seed, passed: outcome.passed, summary: outcome.summary }));
      const lines = inOrder.all();
      if (options.shard !== undefined || options.out !== undefined) writeResults(resultsPath(options.out ?? '.', resultsHeader(scope, experiment, shard)), resultsHeader(scope, experiment, shard), lines);
      const shardScope = { ...scope, firstSeed: mine.first, seeds: mine.count };
      process.exitCode = printReportEnd(shardScope, lines, json, processOutput, options.shard === undefined ? {} : { shard: shardName(shard) });
    });
}

/** `--seeds` and `--first-seed`, checked. */
export function seedRange(options: { seeds: string; firstSeed: string }): { firstSeed: number; seeds: number } {
  const seeds = integerOption('--seeds', options.seeds, 1);
  if (seeds > limits.sweepSeedsMax) throw new BadInput(`--seeds must be at most ${limits.sweepSeedsMax}`);
  const firstSeed = integerOption('--first-seed', options.firstSeed);
  if (firstSeed + seeds - 1 > Number.MAX_SAFE_INTEGER) throw new BadInput('--first-seed: the last seed is beyond the largest safe integer');
  return { firstSeed, seeds };
}
