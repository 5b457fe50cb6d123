import type { Command } from 'commander';
import { unsafeSwitches, type UnsafeSwitch } from '../src/protocol/replica';
import { protocolSwitches, swarmDrawVersion, swarmReproduceCommand, swarmProtocols, swarmRanges, type SwarmProtocol } from '../src/swarm/draw';
import { swarmSeeds } from '../main/service/swarmPool';
import { BadInput, integerOption } from './options';
import { type ReportScope, printReportEnd, processOutput, SeedLinesInOrder, seedLineText } from './report';
import { resultsHeader, resultsPath, writeResults } from './results';
import { parseShard, shardName, shardSeeds } from './shard';
import { seedRange } from './sweep';
import { join } from 'node:path';
import { writeFileAtomic } from '../main/atomicWrite';
import { drawSwarmExperiment } from '../src/swarm/draw';
import { shrinkSwarmSeed } from '../src/swarm/shrink';
import { shrunkYaml } from '../workers/swarm.worker';
import { swarmRunOptions } from '../workers/runOptions';

/** Shrinks one failing seed and writes the experiment file; says on stderr where, or why not. */
export function shrinkToFile(protocol: SwarmProtocol, seed: number, unsafe: readonly UnsafeSwitch[], folder: string): string | null {
  const shrunk = shrinkSwarmSeed(drawSwarmExperiment(protocol, seed, unsafe), swarmRunOptions);
  if (shrunk === null) {
    process.stderr.write(`seed ${seed}: could not shrink (its faults written out no longer fail the same way)\n`);
    return null;
  }
  const path = join(folder, `${shrunk.experiment.name}.yaml`);
  writeFileAtomic(path, shrunkYaml(shrunk.experiment));
  process.stderr.write(`seed ${seed}: shrunk in ${shrunk.runs} runs from ${shrunk.faultsBefore} faults to ${shrunk.faultsAfter}: ${path}\n  run it: npx caplab run ${path}\n`);
  return path;
}

export { protocolSwitches };

export { swarmReproduceCommand };

function parseUnsafe(protocol: SwarmProtocol, names: readonly string[]): UnsafeSwitch[] {
  for (const name of names) {
    if (!(unsafeSwitches as readonly string[]).includes(name)) throw new BadInput(`--unsafe ${name}: no such switch; known: ${unsafeSwitches.join(', ')}`);
    if (!protocolSwitches[protocol].includes(name as UnsafeSwitch)) throw new BadInput(`--unsafe ${name}: not a ${protocol} switch; ${protocol} has ${protocolSwitches[protocol].join(', ')}`);
  }
  return [...new Set(names as UnsafeSwitch[])].sort();
}

export function registerSwarmCommand(program: Command): void {
  program
    .command('swarm')
    .description('swarm testing: every knob of an experiment drawn from each seed; a safety phase under faults, then a liveness phase; failing seeds print their manifest and the command that reproduces them')
    .requiredOption('--protocol <protocol>', swarmProtocols.join(' | '))
    .requiredOption('--seeds <n>', 'how many seeds')
    .option('--first-seed <s>', 'first seed', '1')
    .option('--unsafe <name...>', 'unsafe switches to turn on')
    .option('--jobs <k>', 'worker threads', '2')
    .option('--shard <I/N|auto>', 'run shard I of N of the seeds (auto: from JOB_COMPLETION_INDEX/JOB_COMPLETIONS or SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT); writes a results file for caplab merge')
    .option('--out <dir>', 'write the results file (JSON Lines) there (default with --shard: the current folder)')
    .option('--shrink', 'shrink each failing seed to a small experiment file (written to --out, default the current folder)')
    .option('--json', 'one JSON line per seed, in seed order, then a total line')
    .action(async (options: { protocol: string; seeds: string; firstSeed: string; unsafe?: string[]; jobs: string; shard?: string; out?: string; shrink?: boolean; json?: boolean }) => {
      if (!(swarmProtocols as readonly string[]).includes(options.protocol)) throw new BadInput(`--protocol must be one of ${swarmProtocols.join(', ')}, got "${options.protocol}"`);
      const protocol = options.protocol as SwarmProtocol;
      const unsafe = parseUnsafe(protocol, options.unsafe ?? []);
      const range = seedRange(options);
      const shard = parseShard(options.shard, process.env);
      const jobs = integerOption('--jobs', options.jobs, 1);
      const name = unsafe.length === 0 ? protocol : `${protocol}+${unsafe.join('+')}`;
      const scope: ReportScope = { command: 'swarm', name, ...range };
      const mine = shardSeeds(range.firstSeed, range.seeds, shard);
      const json = options.json === true;
      const inOrder = new SeedLinesInOrder(mine.first, json ? (line) => process.stdout.write(seedLineText(line)) : null);
      const tasks = Array.from({ length: mine.count }, (_, i) => ({ protocol, seed: mine.first + i, unsafe }));
      await swarmSeeds(tasks, jobs, (outcome) => inOrder.add(outcome.passed && outcome.undecidedKeys === 0 ? { ...outcome } : { ...outcome, reproduce: swarmReproduceCommand(protocol, outcome.seed, unsafe) }));
      const lines = inOrder.all();
      if (options.shrink === true) for (const line of lines.filter((l) => !l.passed)) shrinkToFile(protocol, line.seed, unsafe, options.out ?? '.');
      const config = { protocol, unsafe, swarmDrawVersion, swarmRanges };
      if (options.shard !== undefined || options.out !== undefined) writeResults(resultsPath(options.out ?? '.', resultsHeader(scope, config, shard)), resultsHeader(scope, config, shard), lines);
      process.exitCode = printReportEnd({ ...scope, firstSeed: mine.first, seeds: mine.count }, lines, json, processOutput, options.shard === undefined ? {} : { shard: shardName(shard) });
    });
}
