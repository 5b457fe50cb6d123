import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anomalies, cellText, databaseProfiles, guaranteeExperiment, guaranteeScenarios, guaranteesCsv, guaranteesTable, type GuaranteeRun } from '../../src/experiment/guarantees';
import { validateExperiment } from '../../src/experiment/schema';
import { loadExperiment } from '../../main/experimentFile';
import type { RunSummary } from '../../src/experiment/summary';

const repository = fileURLToPath(new URL('../..', import.meta.url));

/** A summary with only what the table reads. */
function summary(staleRead: number, monotonicReads: 'holds' | 'violated'): RunSummary {
  const holds = { status: 'holds' as const };
  return {
    violations: { linearizability: 0, staleRead, lostWrite: 0, monotonicRead: 0, readYourWrites: 0, divergence: 0 },
    models: { linearizable: holds, sequentialPerKey: holds, readYourWrites: holds, monotonicReads: monotonicReads === 'holds' ? holds : { status: 'violated', key: 'k1', operations: [1, 2], explanation: '' }, monotonicWrites: holds, writesFollowReads: holds },
  } as unknown as RunSummary;
}

describe('the guarantees table', () => {
  it('every profile and scenario is a valid experiment, each profile quotes its documentation and cites a page', () => {
    for (const profile of databaseProfiles) {
      expect(profile.source).toMatch(/^https:\/\//);
      expect(profile.quote.length).toBeGreaterThan(20);
      for (const scenario of guaranteeScenarios) expect(() => validateExperiment({ ...guaranteeExperiment(profile, scenario), seed: 1 })).not.toThrow();
    }
  });

  it('counts runs per cell, flags a claim of "never" the lab saw broken, and spares scenarios outside the documented fault model', () => {
    const runs: GuaranteeRun[] = [
      { profile: 'etcd-linearizable', scenario: 'healthy', seed: 1, summary: summary(0, 'holds') },
      { profile: 'etcd-linearizable', scenario: 'partition', seed: 2, summary: summary(3, 'violated') },
      { profile: 'leaseholder-reads', scenario: 'drift-beyond-bound', seed: 5, summary: summary(1, 'holds') },
    ];
    const rows = guaranteesTable(runs);
    const etcd = rows.find((row) => row.profile === 'etcd-linearizable')!;
    const stale = etcd.cells.find((cell) => cell.anomaly === 'staleRead')!;
    expect(stale).toMatchObject({ runs: 2, seen: 1, contradicts: true, seenIn: [{ scenario: 'partition', seed: 2, count: 1 }] });
    expect(cellText(stale)).toBe('1 of 2 runs');
    expect(cellText(etcd.cells.find((cell) => cell.anomaly === 'lostWrite')!)).toBe('never in 2 runs');
    expect(cellText({ ...stale, seen: 0, undecided: 1 })).toBe('never in 1 decided run of 2 (1 undecided)');
    expect(cellText({ ...stale, undecided: 1 })).toBe('1 of 2 runs (1 undecided)');
    const lease = rows.find((row) => row.profile === 'leaseholder-reads')!.cells.find((cell) => cell.anomaly === 'staleRead')!;
    expect(lease).toMatchObject({ seen: 1, seenOutsideFaultModel: 1, contradicts: false });
    const csv = guaranteesCsv(rows).trim().split('\n');
    expect(csv).toHaveLength(1 + databaseProfiles.length * anomalies.length);
    expect(csv).toContain('etcd-linearizable,etcd,default (linearizable reads),staleRead,2,1,0,never,true,partition:1 (seed 2)');
  });

  it('caplab guarantees --seeds 3 --json: no cell contradicts the documented claims', { timeout: 600_000 }, () => {
    const run = spawnSync('node', ['bin/caplab.cjs', 'guarantees', '--seeds', '3', '--jobs', '2', '--json'], { cwd: repository, encoding: 'utf8', timeout: 590_000 });
    expect(run.stderr).toBe('');
    const document = JSON.parse(run.stdout) as { rows: Array<{ profile: string; cells: Array<{ anomaly: string; runs: number; seen: number; seenOutsideFaultModel: number; contradicts: boolean }> }>; contradictions: unknown[] };
    expect(document.rows).toHaveLength(databaseProfiles.length);
    for (const row of document.rows) for (const cell of row.cells) expect(cell.runs).toBe(3 * guaranteeScenarios.length);
    expect(document.contradictions).toEqual([]);
    // The clock-bound column shows what the bound is for: the lease profiles read stale beyond it, and only there.
    for (const profile of ['consul-default', 'leaseholder-reads']) {
      const stale = document.rows.find((row) => row.profile === profile)?.cells.find((cell) => cell.anomaly === 'staleRead');
      expect(stale, profile).toMatchObject({ seen: 3, seenOutsideFaultModel: 3 });
    }
    expect(run.status).toBe(0);
  });

  // Each Databases preset that says it is one cell's run ("the same run as the "X" column of
  // `caplab guarantees` for profile P") is that run, knob for knob, so opening it shows the cell.
  it('every Databases preset that names a column of the table is that column\'s experiment', () => {
    const named = readdirSync(join(repository, 'presets')).filter((file) => file.startsWith('db-') && file.endsWith('.yaml'));
    let checked = 0;
    for (const file of named) {
      const preset = loadExperiment(join(repository, 'presets', file));
      const claim = /the\s+same\s+run\s+as\s+the\s+"([a-z-]+)"\s+column\s+of\s+`caplab guarantees`\s+for\s+profile\s+([a-z0-9-]+)/.exec(preset.description);
      if (claim === null) continue;
      const [, scenario, profileName] = claim;
      const profile = databaseProfiles.find((entry) => entry.name === profileName);
      expect(profile, `${file}: profile ${profileName}`).toBeDefined();
      expect(guaranteeScenarios, `${file}: scenario ${scenario}`).toContain(scenario);
      const column = validateExperiment({ ...guaranteeExperiment(profile!, scenario as (typeof guaranteeScenarios)[number]), seed: preset.seed }, 'column');
      for (const knob of ['protocol', 'nodes', 'durationMs', 'protocolSettings', 'consistency', 'workload', 'network', 'faults', 'nemesis'] as const) expect(preset[knob], `${file}: ${knob}`).toEqual(column[knob]);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});

