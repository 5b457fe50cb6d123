import { Command } from 'commander';
import { describeFileError, isFileError } from '../main/fileErrors';
import { caplabVersion } from '../main/packageRoot';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: `caplab check` does not pay for the
 * simulator, ECharts or the worker pools; `--version` loads none. Help and unknown commands load them all.
 */
const commands: Record<string, () => Promise<Register>> = {
  presets: async () => (await import('./presets')).registerPresetsCommand,
  run: async () => (await import('./run')).registerRunCommand,
  sweep: async () => (await import('./sweep')).registerSweepCommand,
  swarm: async () => (await import('./swarm')).registerSwarmCommand,
  merge: async () => (await import('./merge')).registerMergeCommand,
  check: async () => (await import('./check')).registerCheckCommand,
  guarantees: async () => (await import('./guarantees')).registerGuaranteesCommand,
  import: async () => (await import('./import')).registerImportCommand,
  serve: async () => (await import('./serve')).registerServeCommand,
};

/** The `caplab` command line (ARCHITECTURE §11), with the commands `argv` needs. */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('caplab')
    .description('A lab for consensus, consistency and CAP experiments')
    .version(caplabVersion(), '-V, --version', "print caplab's version")
    .showHelpAfterError()
    .exitOverride();
  const named = argv[2];
  const versionOnly = named === '--version' || named === '-V';
  const wanted = named !== undefined && named in commands ? [named] : versionOnly ? [] : Object.keys(commands);
  for (const name of wanted) (await (commands[name] as () => Promise<Register>)())(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    const commanderCode = (error as { code?: string }).code;
    if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version') process.exit(0);
    // commander's own usage errors (unknown option, missing argument) are bad input: exit 2.
    if (commanderCode !== undefined && commanderCode.startsWith('commander.')) process.exit(2);
    // A file error that no command turned into words still names its path, never as Node's raw text.
    const message = isFileError(error) ? describeFileError(error, error.path ?? 'a file') : error instanceof Error ? error.message : String(error);
    process.stderr.write(`caplab: ${message}\n`);
    process.exit(code ?? 2);
  }
}

void main(process.argv);
