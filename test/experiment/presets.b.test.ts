/**
 * The second half of the presets (odd positions), run on seeds 1, 7 and 13 like the first half
 * in presets.test.ts; two files so both cores share the work.
 */
import { describe, it } from 'vitest';
import { presetFiles } from '../../main/experimentFile';
import { checkPreset } from './presetCheck';

describe('presets, second half: every expectation holds on seeds 1, 7, 13', () => {
  for (const name of [...presetFiles().keys()].filter((_, index) => index % 2 === 1)) it(name, () => checkPreset(name), 60_000);
});
