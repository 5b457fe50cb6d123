import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { Experiment } from '../src/experiment/schema';
import { type RunOptions, type RunResult, runExperiment } from '../src/experiment/run';
import { writeCaplabHistory, writeJepsenEdn } from '../src/history/formats';
import type { HistoryDocument } from '../src/history/operation';
import { AtomicLineWriter, writeFileAtomic } from './atomicWrite';

/** The `history.json` document of a run (DESIGN §9). */
export function historyDocument(result: RunResult): HistoryDocument {
  return {
    format: 'caplab-history/1',
    model: 'kv-cas-register',
    initial: null,
    operations: result.operations.map(({ id, clientId, call, return: returned, input, output }) => ({ id, clientId, call, return: returned, input, output })),
  };
}

/**
 * Runs an experiment and writes what `run --out DIR` promises: experiment.yaml, summary.json,
 * trace.jsonl (streamed while the run goes), history.json and history.edn. Every file appears atomically.
 */
export function runToFolder(experiment: Experiment, folder: string, options: RunOptions = {}): RunResult {
  writeFileAtomic(join(folder, 'experiment.yaml'), toYaml(experiment));
  const trace = new AtomicLineWriter(join(folder, 'trace.jsonl'));
  const result = runExperiment(experiment, { ...options, trace: (event) => trace.line(JSON.stringify(event)) });
  trace.close();
  const history = historyDocument(result);
  writeFileAtomic(join(folder, 'history.json'), writeCaplabHistory(history));
  writeFileAtomic(join(folder, 'history.edn'), writeJepsenEdn(history));
  writeFileAtomic(join(folder, 'summary.json'), `${JSON.stringify(result.summary, null, 2)}\n`);
  return result;
}
