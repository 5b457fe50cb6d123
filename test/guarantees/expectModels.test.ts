import { describe, expect, it } from 'vitest';
import { evaluateExpectation } from '../../src/experiment/expect';
import { ExperimentError, galleryGroupOf, validateExperiment } from '../../src/experiment/schema';

const summary = { models: { readYourWrites: { status: 'holds' }, linearizable: { status: 'violated' }, sequentialPerKey: { status: 'not checked' } } };

describe('expect lines on the consistency map (models.*)', () => {
  it('compares a model status with == and !=', () => {
    expect(evaluateExpectation('models.readYourWrites == holds', summary)).toEqual({ expr: 'models.readYourWrites == holds', holds: true, actual: 'holds' });
    expect(evaluateExpectation('models.linearizable == holds', summary).holds).toBe(false);
    expect(evaluateExpectation('models.linearizable != holds', summary).holds).toBe(true);
    expect(evaluateExpectation('models.sequentialPerKey == not-checked', summary).holds).toBe(true);
    expect(evaluateExpectation('models.monotonicReads == holds', summary)).toMatchObject({ holds: false, actual: null });
  });

  it('refuses an unknown model or status, naming the line', () => {
    const problems = (expect: string[]): readonly string[] => {
      try {
        validateExperiment({ protocol: 'raft', expect }, 'db.yaml');
        return [];
      } catch (error) {
        return (error as ExperimentError).problems;
      }
    };
    expect(problems(['models.readYourWrites == holds', 'models.linearizable != violated'])).toEqual([]);
    expect(problems(['models.causal == holds']).join('\n')).toMatch(/expect\[0\].*model "causal".*readYourWrites/);
    expect(problems(['models.readYourWrites == sometimes']).join('\n')).toMatch(/expect\[0\].*models\.<model>/);
  });
});

describe('gallery groups', () => {
  it('a preset names its group (validated), else it is grouped by protocol or as Unsafe', () => {
    expect(galleryGroupOf(validateExperiment({ protocol: 'raft', group: 'Databases' }))).toBe('Databases');
    expect(galleryGroupOf(validateExperiment({ protocol: 'vr' }))).toBe('VR');
    expect(galleryGroupOf(validateExperiment({ protocol: 'paxos', unsafe: ['ignoreHighestBallot'] }))).toBe('Unsafe');
    expect(() => validateExperiment({ protocol: 'raft', group: 'Leaderless' }, 'x.yaml')).toThrow(/group: must be one of Basics, Raft, VR, Paxos, Unsafe, Databases/);
  });
});
