import type { Command } from 'commander';
import { readBundleFile } from '../main/runFiles';
import { runExperiment } from '../src/experiment/run';
import { nodeRunOptions } from '../workers/runOptions';
import { describeSummary } from './run';

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a run bundle: validate it, replay its experiment, and confirm the same summary and trace digest')
    .argument('<bundle>', 'a bundle.zip written by `caplab run --out`')
    .option('--json', 'print { file, reproduced, summary } as one JSON object')
    .action((path: string, options: { json?: boolean }) => {
      const bundle = readBundleFile(path);
      if (bundle.summary.runtime === 'threads') {
        // A live run is not deterministic: a replay in the simulator is a run of the same experiment, not the same run.
        const text = `${path}: a live (worker-thread) run; it cannot be replayed exactly. Its summary:\n${describeSummary(bundle.summary)}\n`;
        process.stdout.write(options.json === true ? `${JSON.stringify({ file: path, reproduced: null, reason: 'live runs are not deterministic', summary: bundle.summary })}\n` : text);
        return;
      }
      const replayed = runExperiment(bundle.experiment, nodeRunOptions()).summary;
      const reproduced = JSON.stringify(replayed) === JSON.stringify(bundle.summary);
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ file: path, reproduced, traceSha256: replayed.traceSha256, summary: replayed })}\n`);
      } else {
        process.stdout.write(`${describeSummary(replayed)}\n${reproduced ? 'replay reproduces the bundle: same summary, same traceSha256' : `replay DIFFERS from the bundle (bundle traceSha256 ${bundle.summary.traceSha256})`}\n`);
      }
      process.exitCode = reproduced ? 0 : 1;
    });
}
