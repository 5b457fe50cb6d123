import type { Command } from 'commander';
import { loadExperiment, presetFiles } from '../main/experimentFile';

export function registerPresetsCommand(program: Command): void {
  program
    .command('presets')
    .description('list the preset experiments')
    .option('--json', 'one JSON array of { name, title, protocol, consistency, description }')
    .action((options: { json?: boolean }) => {
      const presets = [...presetFiles().keys()].map((name) => {
        const experiment = loadExperiment(name);
        return { name, title: experiment.title, protocol: experiment.protocol, consistency: experiment.consistency, description: experiment.description.trim() };
      });
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(presets)}\n`);
        return;
      }
      for (const preset of presets) {
        const mode = typeof preset.consistency === 'string' ? preset.consistency.toUpperCase() : `${preset.consistency.write}/${preset.consistency.read}`;
        process.stdout.write(`${preset.name.padEnd(28)} ${preset.protocol.padEnd(5)} ${mode.padEnd(16)} ${preset.title}\n`);
      }
    });
}
