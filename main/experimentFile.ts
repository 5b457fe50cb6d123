import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { type Experiment, ExperimentError, validateExperiment } from '../src/experiment/schema';
import { packageRoot } from './packageRoot';

/** Where the preset experiments live: `presets/` beside caplab's package.json (main/packageRoot.ts). */
export const presetsFolder = join(packageRoot, 'presets');

/** Parses YAML or JSON text into an experiment, every problem named by its field (or line). */
export function parseExperiment(text: string, source: string): Experiment {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, strict: true, uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0] === undefined ? '' : ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`;
      throw new ExperimentError([`not valid YAML or JSON${where}: ${error.message.split('\n')[0]}`], source);
    }
    throw error;
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ExperimentError(['(top level): must be a mapping of fields, such as "protocol: raft"'], source);
  }
  return validateExperiment(document, source);
}

/** Every preset: name → file path, sorted by name. */
export function presetFiles(): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(presetsFolder)) return files;
  for (const file of readdirSync(presetsFolder).sort()) {
    if (['.yaml', '.yml', '.json'].includes(extname(file))) files.set(basename(file, extname(file)), join(presetsFolder, file));
  }
  return files;
}

/** Loads a preset by name or an experiment file by path. */
export function loadExperiment(nameOrPath: string): Experiment {
  const preset = presetFiles().get(nameOrPath);
  const path = preset ?? nameOrPath;
  if (!existsSync(path)) {
    throw new ExperimentError([`no such file, and no preset of that name (try \`caplab presets\`)`], nameOrPath);
  }
  return parseExperiment(readFileSync(path, 'utf8'), path);
}
