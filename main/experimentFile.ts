import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { limits } from '../src/base/limits';
import { utf8ByteLength } from '../src/base/text';
import { type Experiment, ExperimentError, validateExperiment } from '../src/experiment/schema';
import { describeFileError } from './fileErrors';
import { packageRoot } from './packageRoot';

/** Where the preset experiments live: `presets/` beside caplab's package.json (main/packageRoot.ts). */
export const presetsFolder = join(packageRoot, 'presets');

/** Parses YAML or JSON text into an experiment, every problem named by its field (or line). */
export function parseExperiment(text: string, source: string): Experiment {
  if (text.length > limits.experimentFileBytesMax || utf8ByteLength(text) > limits.experimentFileBytesMax) throw new ExperimentError([experimentTooLarge(utf8ByteLength(text))], source);
  let document: unknown;
  try {
    // maxAliasCount bounds what aliases may expand to (a "billion laughs" file is refused, not expanded).
    document = parseYaml(text, { prettyErrors: true, strict: true, uniqueKeys: true, maxAliasCount: limits.experimentYamlAliasesMax });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0] === undefined ? '' : ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`;
      throw new ExperimentError([`not valid YAML or JSON${where}: ${error.message.split('\n')[0]}`], source);
    }
    // The yaml library's other refusals are plain errors: too many aliases (an alias bomb), say.
    const message = error instanceof Error ? error.message : String(error);
    throw new ExperimentError([/alias/i.test(message) ? `(file): refused, its aliases expand too far (at most ${limits.experimentYamlAliasesMax} alias expansions; an alias bomb?)` : `(file): not valid YAML or JSON: ${message}`], source);
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
  // The size is checked before the file is read, with the app's cap (ARCHITECTURE §10).
  let size: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) throw new ExperimentError(['is a folder; give an experiment file (.yaml or .json) or a preset name'], path);
    size = stats.size;
  } catch (error) {
    if (error instanceof ExperimentError) throw error;
    throw new ExperimentError([describeFileError(error, 'the file').replace(/^the file: /, 'cannot be read: ')], path);
  }
  if (size > limits.experimentFileBytesMax) throw new ExperimentError([experimentTooLarge(size)], path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ExperimentError([describeFileError(error, 'the file').replace(/^the file: /, 'cannot be read: ')], path);
  }
  return parseExperiment(text, path);
}

function experimentTooLarge(bytes: number): string {
  return `(file): ${bytes} bytes; an experiment file may be at most ${limits.experimentFileBytesMax} bytes (${limits.experimentFileBytesMax / 1e6} MB)`;
}
