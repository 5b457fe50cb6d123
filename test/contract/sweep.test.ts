import { afterAll, describe, expect, it } from 'vitest';
import { ContractError, appSweepSeedsMax, labEvents, parseRequest } from '../../src/contract/lab';
import { LabService } from '../../main/service/labService';

// The sweep calls refuse bad payloads with a message naming the call and the field, and start nothing.

const good = { text: 'name: x\nprotocol: raft\n', source: 'x.yaml', seeds: 3, sweepId: 'sweep-1' };
const refusal = (payload: unknown): string => {
  try {
    parseRequest('startSweep', payload);
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    return (error as Error).message;
  }
  throw new Error('the payload was accepted');
};

describe('startSweep and cancelSweep payloads', () => {
  it('accepts a well-formed request, with or without the optional fields', () => {
    expect(parseRequest('startSweep', good)).toEqual(good);
    expect(parseRequest('startSweep', { ...good, protocol: 'vr', firstSeed: 0, seeds: appSweepSeedsMax })).toMatchObject({ protocol: 'vr', firstSeed: 0, seeds: 1000 });
  });

  it('refuses no seeds, too many seeds and a fractional count, naming the field and the bound', () => {
    expect(refusal({ ...good, seeds: 0 })).toBe('startSweep: invalid payload: seeds: must be at least 1 seed');
    expect(refusal({ ...good, seeds: 5000 })).toBe('startSweep: invalid payload: seeds: must be at most 1000 seeds (caplab sweep on the command line runs more)');
    expect(refusal({ ...good, seeds: 2.5 })).toContain('seeds: must be a whole number of seeds');
    expect(refusal({ ...good, seeds: undefined })).toContain('seeds:');
  });

  it('refuses a bad sweep id, a negative first seed, an unknown protocol and unknown fields', () => {
    expect(refusal({ ...good, sweepId: 'Sweep One!' })).toBe('startSweep: invalid payload: sweepId: must be a sweep id of 1 to 64 lower-case letters, digits and dashes');
    expect(refusal({ ...good, sweepId: 'x'.repeat(65) })).toContain('sweepId: must be a sweep id');
    expect(refusal({ ...good, firstSeed: -1 })).toBe('startSweep: invalid payload: firstSeed: must be 0 or more');
    expect(refusal({ ...good, protocol: 'zab' })).toContain('protocol:');
    expect(refusal({ ...good, jobs: 8 })).toContain('jobs');
    expect(() => parseRequest('cancelSweep', { sweepId: '../x' })).toThrow('cancelSweep: invalid payload: sweepId: must be a sweep id');
  });

  it('the progress event carries outcomes with the headline numbers, and nothing else', () => {
    const outcome = {
      seed: 4,
      passed: false,
      ops: { ok: 10, fail: 1, info: 2 },
      availability: 10 / 13,
      violations: { linearizability: 1, staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0, divergence: 0 },
      linearizabilityUnknownKeys: 0,
      invariantsBroken: [],
      faultModelExceeded: false,
      expectationsFailed: ['violations.linearizability == 0 (actual 1)'],
      traceSha256: 'ab',
    };
    expect(labEvents.sweepProgress.safeParse({ sweepId: 'sweep-1', done: 1, total: 3, outcomes: [outcome], finished: false, cancelled: false }).success).toBe(true);
    expect(labEvents.sweepProgress.safeParse({ sweepId: 'sweep-1', done: 1, total: 3, outcomes: [{ ...outcome, ops: undefined }], finished: false, cancelled: false }).success).toBe(false);
  });
});

describe('through the lab service, a refused sweep starts nothing', () => {
  const service = new LabService();
  afterAll(() => service.close());

  it('answers the bad payloads with the same messages and stays idle', async () => {
    await expect(service.call('startSweep', { ...good, seeds: 0 })).rejects.toThrow('startSweep: invalid payload: seeds: must be at least 1 seed');
    await expect(service.call('startSweep', { ...good, seeds: 5000 })).rejects.toThrow('seeds: must be at most 1000 seeds');
    await expect(service.call('startSweep', { ...good, sweepId: 'bad id' })).rejects.toThrow('sweepId: must be a sweep id');
    await expect(service.call('cancelSweep', { sweepId: 'never-started' })).resolves.toEqual({ cancelled: false });
    expect(service.sweepsIdle).toBe(true);
  });
});
