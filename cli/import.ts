import type { Command } from 'commander';
import { TraceComparison, describeTraceDifference, readBundleFile } from '../main/bundleImport';
import { runExperiment } from '../src/experiment/run';
import { traceLine } from '../src/run/digest';
import { nodeRunOptions } from '../workers/runOptions';
import { describeSummary } from './run';

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a run bundle: check every file against its manifest and each other, replay a simulated run and compare it with the bundle\'s own trace')
    .argument('<bundle>', 'a bundle.zip written by `caplab run --out`')
    .option('--json', 'print { file, reproduced, traceVerified, summary } as one JSON object')
    .action((path: string, options: { json?: boolean }) => {
      // Any file that fails its manifest or disagrees with another is bad input (exit 2, naming it).
      const bundle = readBundleFile(path);
      const checked = `${bundle.files.length} files match the manifest; trace.jsonl matches summary.json's traceSha256 and history.json`;
      if (bundle.summary.runtime === 'threads') {
        // A live run is not deterministic: a replay in the simulator is a run of the same experiment, not the same run.
        const text = `${path}: a live (worker-thread) run; it cannot be replayed exactly. ${checked}. Its summary:\n${describeSummary(bundle.summary)}\n`;
        process.stdout.write(options.json === true ? `${JSON.stringify({ file: path, reproduced: null, traceVerified: true, reason: 'live runs are not deterministic', summary: bundle.summary })}\n` : text);
        return;
      }
      const comparison = new TraceComparison(bundle.traceLines);
      const replayed = runExperiment(bundle.experiment, { ...nodeRunOptions(), trace: (event) => comparison.line(traceLine(event)) }).summary;
      const difference = comparison.result();
      const reproduced = difference === null && JSON.stringify(replayed) === JSON.stringify(bundle.summary);
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ file: path, reproduced, traceVerified: true, traceSha256: replayed.traceSha256, ...(difference === null ? {} : { difference }), summary: replayed })}\n`);
      } else {
        const verdict = reproduced ? `replay reproduces the bundle: same trace, line for line, and same summary (${checked})` : `replay DIFFERS from the bundle: ${difference === null ? 'the summaries differ' : describeTraceDifference(difference)}`;
        process.stdout.write(`${describeSummary(replayed)}\n${verdict}\n`);
      }
      process.exitCode = reproduced ? 0 : 1;
    });
}
