/**
 * The preset experiments (issue 5, item 5): every one is a teaching unit whose `expect` block
 * proves its claim. Here each preset runs on seeds 1, 7 and 13 in the simulator; `caplab sweep
 * <preset> --seeds 20` checks seeds 1–20 (presets/README.md). The presets are split in two files
 * (even and odd positions) so both cores share them; this one also checks the catalogue itself.
 */
import { describe, expect, it } from 'vitest';
import { loadExperiment, presetFiles } from '../../main/experimentFile';
import { checkPreset } from './presetCheck';


const names = [...presetFiles().keys()];

describe('the preset catalogue', () => {
  it('holds at least 16 presets, Raft, VR and Paxos, each with a title, a description and expectations', () => {
    expect(names.length).toBeGreaterThanOrEqual(16);
    const protocols = new Set<string>();
    for (const name of names) {
      const experiment = loadExperiment(name);
      protocols.add(experiment.protocol);
      expect(experiment.name, 'the name is the file name').toBe(name);
      expect(experiment.title.length, name).toBeGreaterThan(10);
      expect(experiment.description.trim().length, `${name}: a description that says what to look at`).toBeGreaterThan(200);
      expect(experiment.expect.length, `${name}: an expect block`).toBeGreaterThanOrEqual(1);
      // Protocol-specific names: the prefix says which protocol runs.
      // Database profiles (issue 15) say which system they map instead: db-<system>-<setting>, all in the Databases group.
      if (name.startsWith('db-')) expect(experiment.group, name).toBe('Databases');
      else expect(name.startsWith(`${experiment.protocol}-`), name).toBe(true);
      // An unsafe preset must prove its anomaly, so at least one expectation asks for a violation or a broken invariant.
      if (experiment.unsafe.length > 0) {
        expect(name.includes('unsafe'), `${name} turns on ${experiment.unsafe.join(', ')}`).toBe(true);
        expect(experiment.expect.some((line) => />\s*0\s*$/.test(line) && /violations|invariantsBroken/.test(line)), name).toBe(true);
      }
    }
    expect([...protocols].sort()).toEqual(['paxos', 'raft', 'vr']);
  });

  it('README lists every preset', async () => {
    const { readFileSync } = await import('node:fs');
    const { presetsFolder } = await import('../../main/experimentFile');
    const readme = readFileSync(`${presetsFolder}/README.md`, 'utf8');
    for (const name of names) expect(readme, name).toContain(`\`${name}\``);
  });
});

describe('presets, first half: every expectation holds on seeds 1, 7, 13', () => {
  for (const name of names.filter((_, index) => index % 2 === 0)) it(name, () => checkPreset(name), 60_000);
});
