import { describe, expect, it } from 'vitest';
import { printReport, type ReportOutput, type SeedLine } from '../../cli/report';

function captured(): { output: ReportOutput; stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { output: { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) }, stdout, stderr };
}

const scope = { command: 'swarm' as const, name: 'raft', firstSeed: 1, seeds: 3 };
const reproduce = (seed: number) => `npx caplab swarm --protocol raft --seeds 1 --first-seed ${seed}`;
const lines: SeedLine[] = [
  { seed: 1, passed: true, failure: null, safety: [], liveness: [], undecidedKeys: 0 },
  { seed: 2, passed: true, failure: null, safety: [], liveness: [], undecidedKeys: 1, reproduce: reproduce(2) },
  // A results file written before seeds carried undecidedKeys.
  { seed: 3, passed: true, failure: null, safety: [], liveness: [] },
];

describe('a swarm report', () => {
  it('names a seed that passed with keys its check left undecided, apart from the clean ones, and still exits 0', () => {
    const human = captured();
    expect(printReport(scope, lines, false, human.output)).toBe(0);
    expect(human.stdout.join('')).toBe('swarm raft: 3 passed, 0 failed (0 safety, 0 liveness; 1 passed with keys left undecided) (seeds 1..3)\n');
    expect(human.stderr.join('')).toBe(`seed 2 passed with 1 key the linearizability check left undecided within its budget: not checked, not clean\n  reproduce: ${reproduce(2)}\n`);
    const json = captured();
    expect(printReport(scope, lines, true, json.output)).toBe(0);
    expect(JSON.parse(json.stdout.at(-1) as string)).toEqual({ swarm: 'raft', passed: 3, failed: 0, failingSeeds: [], safetyFailures: 0, livenessFailures: 0, undecidedSeeds: [2] });
  });

  it('of clean seeds only says nothing more', () => {
    const human = captured();
    printReport(scope, [lines[0] as SeedLine], false, human.output);
    expect(human.stdout.join('')).toBe('swarm raft: 1 passed, 0 failed (0 safety, 0 liveness) (seeds 1..3)\n');
    expect(human.stderr).toEqual([]);
  });
});
