import { parseExperiment } from '../../main/experimentFile';
import { ExperimentError } from '../../src/experiment/schema';

/** The problems an experiment file gets, as the user sees them (none when it is valid). */
export function problems(text: string): readonly string[] {
  try {
    parseExperiment(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ExperimentError) return error.problems;
    throw error;
  }
  return [];
}
