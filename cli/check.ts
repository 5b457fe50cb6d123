import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import { describeFileError } from '../main/fileErrors';
import { checkHistoryText, exitCodeOf, worstExitCode, type CheckReport } from '../src/checker/report';
import type { ModelName } from '../src/checker/models';
import { consistencyChoices, type ConsistencyChoice } from '../src/checker/checkHistory';
import { formatChoices } from '../src/history/formats/index';
import type { FormatName } from '../src/history/formats/parsed';

interface CheckCommandOptions {
  readonly format: FormatName | 'auto';
  readonly model?: ModelName;
  readonly consistency: ConsistencyChoice;
  readonly initial?: string;
  readonly timeoutMs: number;
  readonly json?: boolean;
}

/** The sequential search's own verdicts read as the other models' do: holds, violated, unknown. */
function verdictWords(verdict: string): string {
  if (verdict === 'sequential') return 'holds';
  if (verdict === 'not-sequential') return 'violated';
  return verdict;
}

/** A human-readable account of one report, for the terminal. */
function describeReport(report: CheckReport): string {
  if (report.kind === 'bad-input') return `${report.file}: bad input: ${report.error}`;
  const against = report.consistency === undefined ? '' : `${report.consistency === 'sequential' ? 'sequential (per key)' : report.consistency}: `;
  const head = `${report.file}: ${against}${verdictWords(report.verdict)}${report.unknownReason === undefined ? '' : ` (${report.unknownReason})`} — ${report.operations} operations, ${report.partitions} partitions, model ${report.model}, ${report.format}, ${report.elapsedMs.toFixed(1)} ms`;
  if (report.violation !== undefined) return [head, `  key ${report.violation.key}, operations ${report.violation.operations.map((id) => `#${id}`).join(' ')}`, `  ${report.violation.explanation}`].join('\n');
  const example = report.counterexample;
  if (example === undefined) return head;
  const lines = [
    head,
    `  smallest failing partition${example.partition === '' ? '' : ` (key ${example.partition})`}: ${example.partitionOperationIds.length} operations`,
    `  longest partial ${report.consistency === 'sequential' ? 'order keeping each client\'s order' : 'linearization'} (${example.linearized.length} operations), ending in state ${example.stateAfter}:`,
    ...example.linearized.slice(-10).map((operation) => `    #${operation.id} client ${operation.clientId}: ${operation.description}`),
    example.blocked === null ? '  no operation could be placed next' : `  cannot place #${example.blocked.id} client ${example.blocked.clientId}: ${example.blocked.description}`,
    `  ${example.explanation}`,
  ];
  return lines.join('\n');
}

/** `caplab check <file>...` (ARCHITECTURE §11): exit 0 the model holds, 1 it does not, 3 unknown, 2 bad input. */
export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('check histories for linearizability, or another consistency model (--consistency)')
    .argument('<file...>', 'history files (etcd log, Porcupine kv, Jepsen EDN, caplab history.json or trace.jsonl)')
    .addOption(new Option('--format <format>', 'the files\' format').choices([...formatChoices]).default('auto'))
    .addOption(new Option('--model <model>', 'the sequential model (default: the format\'s)').choices(['cas-register', 'register', 'kv', 'kv-single-map', 'kv-cas-register']))
    .addOption(new Option('--consistency <model>', 'the consistency model: linearizable, sequential (per key), or a session guarantee').choices([...consistencyChoices]).default('linearizable'))
    .option('--initial <value>', 'the registers\' initial value: nil (absent) or a value')
    .option('--timeout-ms <n>', 'time budget per file; past it the verdict is unknown', (text: string) => {
      const value = Number(text);
      if (!Number.isInteger(value) || value <= 0) {
        process.stderr.write(`caplab check: --timeout-ms expects a positive integer, got '${text}'\n`);
        process.exit(2);
      }
      return value;
    }, 60_000)
    .option('--json', 'one JSON object per line per file')
    .action((files: string[], options: CheckCommandOptions) => {
      const codes: number[] = [];
      for (const file of files) {
        let text: string;
        let report: CheckReport;
        try {
          text = readFileSync(file, 'utf8');
          report = checkHistoryText(
            { file, text, format: options.format, model: options.model, consistency: options.consistency, initial: options.initial, timeoutMs: options.timeoutMs },
            { now: () => performance.now() },
          );
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === undefined) throw error;
          report = { kind: 'bad-input', file, error: `cannot be read: ${describeFileError(error, file).slice(file.length + 2)}` };
        }
        if (report.kind === 'bad-input') process.stderr.write(`caplab check: ${report.file}: ${report.error}\n`);
        if (options.json === true) {
          const { kind: _kind, ...line } = report;
          process.stdout.write(`${JSON.stringify(line)}\n`);
        } else if (report.kind === 'checked') {
          process.stdout.write(`${describeReport(report)}\n`);
        }
        codes.push(exitCodeOf(report));
      }
      process.exitCode = worstExitCode(codes);
    });
}
