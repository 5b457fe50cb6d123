import { Command } from 'commander';
import { registerCheckCommand } from './check';
import { registerImportCommand } from './import';
import { registerPresetsCommand } from './presets';
import { registerRunCommand } from './run';
import { registerServeCommand } from './serve';
import { registerSweepCommand } from './sweep';

/** The `caplab` command line (DESIGN §11). */
export function buildProgram(): Command {
  const program = new Command('caplab')
    .description('A lab for consensus, consistency and CAP experiments')
    .showHelpAfterError()
    .exitOverride();
  registerPresetsCommand(program);
  registerRunCommand(program);
  registerSweepCommand(program);
  registerCheckCommand(program);
  registerImportCommand(program);
  registerServeCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    const commanderCode = (error as { code?: string }).code;
    if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version') process.exit(0);
    // commander's own usage errors (unknown option, missing argument) are bad input: exit 2.
    if (commanderCode !== undefined && commanderCode.startsWith('commander.')) process.exit(2);
    process.stderr.write(`caplab: ${(error as Error).message}\n`);
    process.exit(code ?? 2);
  }
}

void main(process.argv);
