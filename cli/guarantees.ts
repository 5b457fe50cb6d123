import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { limits } from '../src/base/limits';
import { cellText, databaseProfiles, guaranteeScenarios, guaranteesCsv, guaranteesTableOf, anomalyLabels, type GuaranteeRow } from '../src/experiment/guarantees';
import { SweepPool } from '../main/service/sweepService';
import { guaranteeTasks, runGuaranteeTasks } from '../main/guaranteesRun';
import { BadInput, integerOption } from './options';
import { guaranteesHtml } from '../main/guaranteesReport';

/** The table for the terminal: one block per profile, contradicting cells flagged. */
function describeTable(rows: readonly GuaranteeRow[]): string {
  const lines: string[] = [];
  for (const row of rows) {
    lines.push(`${row.system} — ${row.setting} (${row.profile})`);
    for (const cell of row.cells) {
      const flag = cell.contradicts ? '  !! CONTRADICTS THE DOCUMENTATION' : '';
      const where = cell.seenIn.length === 0 ? '' : `  [${cell.seenIn.map((entry) => `${entry.scenario} ×${entry.count}, e.g. seed ${entry.seed}`).join('; ')}]`;
      lines.push(`  ${anomalyLabels[cell.anomaly].padEnd(26)} ${cellText(cell).padEnd(40)} documented: ${cell.claim}${flag}${where}`);
    }
  }
  const contradictions = rows.flatMap((row) => row.cells.filter((cell) => cell.contradicts).map((cell) => `${row.profile}: ${anomalyLabels[cell.anomaly]}`));
  lines.push(contradictions.length === 0 ? 'no cell contradicts the documented claims' : `${contradictions.length} cells contradict the documented claims: ${contradictions.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** The profiles `--profiles` names, in the table's order; an unknown name is refused, naming the option and the names there are. */
function profilesNamed(list: string): typeof databaseProfiles {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const known = new Set(databaseProfiles.map((profile) => profile.name));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new BadInput(`--profiles: no profile ${unknown.join(', ')}; the profiles are ${[...known].join(', ')}`);
  if (names.length === 0) throw new BadInput('--profiles: name at least one profile');
  return databaseProfiles.filter((profile) => names.includes(profile.name));
}

/** `caplab guarantees` (ARCHITECTURE §11): every database profile through every scenario for N seeds. */
export function registerGuaranteesCommand(program: Command): void {
  program
    .command('guarantees')
    .description('run every database profile through healthy, leader crash, partition and clock-drift scenarios; tabulate what each anomaly did beside the documented claim')
    .option('--seeds <n>', 'seeds per profile and scenario', '20')
    .option('--jobs <k>', 'worker threads', '2')
    .option('--profiles <names>', 'only these profiles, comma-separated (default: every profile)')
    .option('--json', 'the table as one JSON object')
    .option('--out <dir>', 'write guarantees.csv, guarantees.json and guarantees.html there')
    .action(async (options: { seeds: string; jobs: string; profiles?: string; json?: boolean; out?: string }) => {
      const seeds = integerOption('--seeds', options.seeds, 1);
      if (seeds > limits.sweepSeedsMax) throw new BadInput(`--seeds must be at most ${limits.sweepSeedsMax}`);
      const jobs = integerOption('--jobs', options.jobs, 1);
      const profiles = options.profiles === undefined ? databaseProfiles : profilesNamed(options.profiles);
      const tasks = guaranteeTasks(seeds, profiles);
      const pool = new SweepPool(jobs, { threadsKept: true });
      let done = 0;
      let observations;
      try {
        ({ observations } = await runGuaranteeTasks(pool, tasks, {
          onRun: () => {
            done++;
            if (options.json !== true && process.stderr.isTTY) process.stderr.write(`\r${done}/${tasks.length} runs`);
          },
        }));
      } finally {
        await pool.destroy();
      }
      if (options.json !== true && process.stderr.isTTY) process.stderr.write('\n');
      const rows = guaranteesTableOf(observations, profiles);
      const document = { seeds, scenarios: guaranteeScenarios, profiles, rows, contradictions: rows.flatMap((row) => row.cells.filter((cell) => cell.contradicts).map((cell) => ({ profile: row.profile, anomaly: cell.anomaly }))) };
      if (options.out !== undefined) {
        mkdirSync(options.out, { recursive: true });
        writeFileSync(join(options.out, 'guarantees.csv'), guaranteesCsv(rows));
        writeFileSync(join(options.out, 'guarantees.json'), `${JSON.stringify(document, null, 2)}\n`);
        writeFileSync(join(options.out, 'guarantees.html'), guaranteesHtml(rows, seeds));
      }
      process.stdout.write(options.json === true ? `${JSON.stringify(document)}\n` : describeTable(rows));
      process.exitCode = document.contradictions.length === 0 ? 0 : 1;
    });
}
