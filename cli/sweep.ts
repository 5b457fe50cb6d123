import type { Command } from 'commander';
import { limits } from '../src/base/limits';
import type { Experiment } from '../src/experiment/schema';
import { loadExperiment } from '../main/experimentFile';
import { SweepPool } from '../main/service/sweepService';
import type { SweepOutcome } from '../workers/sweep.worker';
import { BadInput, integerOption } from './options';
import { withOverrides } from './run';

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
    .option('--json', 'one JSON line per seed, then a total line')
    .action(async (name: string, options: { seeds: string; firstSeed: string; jobs: string; runtime: string; json?: boolean }) => {
      if (options.runtime !== 'sim') throw new BadInput('--runtime: sweeps run in the simulator only (sim)');
      const count = integerOption('--seeds', options.seeds, 1);
      if (count > limits.sweepSeedsMax) throw new BadInput(`--seeds must be at most ${limits.sweepSeedsMax}`);
      const first = integerOption('--first-seed', options.firstSeed);
      const jobs = integerOption('--jobs', options.jobs, 1);
      const experiment = withOverrides(loadExperiment(name), {}, name);
      const seeds = Array.from({ length: count }, (_, i) => first + i);
      const outcomes = await sweepSeeds(experiment, seeds, jobs, (outcome) => {
        if (options.json === true) process.stdout.write(`${JSON.stringify({ seed: outcome.seed, passed: outcome.passed, summary: outcome.summary })}\n`);
      });
      const failing = outcomes.filter((outcome) => !outcome.passed);
      for (const outcome of failing) {
        const why = [...outcome.summary.invariantsBroken, ...outcome.summary.expectations.filter((e) => !e.holds).map((e) => `expect ${e.expr} (actual ${e.actual ?? 'missing'})`)].join('; ');
        process.stderr.write(`seed ${outcome.seed} FAILED: ${why}\n  reproduce: npx caplab run ${name} --seed ${outcome.seed}\n`);
      }
      const line = `sweep ${name}: ${outcomes.length - failing.length} passed, ${failing.length} failed (seeds ${first}..${first + count - 1})`;
      process.stdout.write(options.json === true ? `${JSON.stringify({ sweep: name, passed: outcomes.length - failing.length, failed: failing.length, failingSeeds: failing.map((o) => o.seed) })}\n` : `${line}\n`);
      process.exitCode = failing.length === 0 ? 0 : 1;
    });
}
