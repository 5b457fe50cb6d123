import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LabResponse } from '../../src/contract/lab';
import type { ProtocolName } from '../../src/contract/engine';
import { knownProtocol } from './protocols';
import { base64OfBytes, labHost, messageOf } from '../lab/labHost';

/** A preset as the gallery shows it. */
export type PresetInfo = LabResponse<'listPresets'>[number];

/** The experiment the lab view will run: a preset or a file the user opened. */
export interface ChosenExperiment {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly protocol: ProtocolName;
  readonly consistency: unknown;
  /** The experiment's `network` (latency, drop, duplicate, reorder), for the Network panel to start from. */
  readonly network?: unknown;
  readonly nodes: number;
  readonly seed: number;
  /** The experiment's `moments` (an instant and a caption each), as validated; absent when it declares none. */
  readonly moments?: unknown;
  /** The file's text and name, as startRun takes them. */
  readonly text: string;
  readonly source: string;
}

export type ImportResult = LabResponse<'importBundle'>;

/** CP, AP, or the two knobs, as a badge reads ("CP", "AP", "quorum / lease"). */
export function consistencyLabel(consistency: unknown): string {
  if (consistency === 'cp' || consistency === 'ap') return consistency.toUpperCase();
  if (typeof consistency === 'object' && consistency !== null && 'write' in consistency && 'read' in consistency) return `${String(consistency.write)} / ${String(consistency.read)}`;
  return 'CP';
}

const numberOr = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);

/** The experiment gallery: presets, opening a file (with the schema's errors), importing a bundle. */
export const useExperimentStore = defineStore('experiment', () => {
  const presets = shallowRef<readonly PresetInfo[]>([]);
  const loading = ref(false);
  const chosen = shallowRef<ChosenExperiment | null>(null);
  /** The schema's problems with the file the user opened, each naming its field. */
  const problems = shallowRef<readonly string[]>([]);
  const problemsSource = ref('');
  const error = ref<string | null>(null);
  const importing = ref(false);
  const imported = shallowRef<ImportResult | null>(null);

  async function loadPresets(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      presets.value = await labHost().lab.listPresets({});
    } catch (failure) {
      error.value = `Could not list the presets: ${messageOf(failure)}`;
    } finally {
      loading.value = false;
    }
  }

  /** Validates an experiment's text and, when it is valid, makes it the chosen one; returns whether it was. */
  async function openText(text: string, source: string): Promise<boolean> {
    error.value = null;
    try {
      const result = await labHost().lab.validateExperiment({ text, source });
      if (!result.ok) {
        problems.value = result.problems;
        problemsSource.value = source;
        return false;
      }
      problems.value = [];
      const experiment = result.experiment;
      chosen.value = {
        name: String(experiment.name ?? source),
        title: String(experiment.title ?? experiment.name ?? source),
        description: String(experiment.description ?? ''),
        protocol: knownProtocol(experiment.protocol),
        consistency: experiment.consistency,
        network: experiment.network,
        nodes: numberOr(experiment.nodes, 3),
        seed: numberOr(experiment.seed, 1),
        moments: experiment.moments,
        text,
        source,
      };
      return true;
    } catch (failure) {
      error.value = `Could not open ${source}: ${messageOf(failure)}`;
      return false;
    }
  }

  async function choosePreset(name: string): Promise<boolean> {
    const preset = presets.value.find((candidate) => candidate.name === name);
    if (preset === undefined) {
      error.value = `There is no preset ${name}`;
      return false;
    }
    return openText(preset.text, `${preset.name}.yaml`);
  }

  /** Replays an exported bundle in the lab and reports whether it reproduced the same summary; answers its trace for the replay. */
  async function importBundle(bytes: Uint8Array): Promise<{ imported: ImportResult; trace: string | null } | null> {
    importing.value = true;
    imported.value = null;
    error.value = null;
    try {
      const { trace, ...result } = await labHost().lab.importBundle({ base64: base64OfBytes(bytes) });
      imported.value = result;
      // The bundle's trace goes to the replay (kept there once, not here as well).
      return { imported: result, trace: trace ?? null };
    } catch (failure) {
      error.value = `Could not import the bundle: ${messageOf(failure)}`;
      return null;
    } finally {
      importing.value = false;
    }
  }

  return { presets, loading, chosen, problems, problemsSource, error, importing, imported, loadPresets, openText, choosePreset, importBundle };
});
