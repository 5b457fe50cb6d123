import type { Command } from 'commander';
import { printReport, processOutput } from './report';
import { mergeResults, readResults, resultsFiles } from './results';

export function registerMergeCommand(program: Command): void {
  program
    .command('merge')
    .description('combine the results files of sharded sweeps or swarms into the report the unsharded run prints')
    .argument('<results...>', 'results files (*.jsonl) or folders holding them')
    .option('--json', 'one JSON line per seed, then a total line (as sweep and swarm print them)')
    .action((paths: string[], options: { json?: boolean }) => {
      const { scope, lines } = mergeResults(resultsFiles(paths).map(readResults));
      process.exitCode = printReport(scope, lines, options.json === true, processOutput);
    });
}
